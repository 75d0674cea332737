"""The network side of model downloads: where a download may go, connections, cancel.

A download may only reach the place its URL came from (``DownloadSource``):

* the catalog (no mirror set): HTTPS to the model hub, ``huggingface.co``, and the hub's own
  storage hosts it redirects to (``*.huggingface.co``, ``*.hf.co``) — nothing else;
* a mirror the user named (``MURMUR_MODEL_BASE_URL``, or ``base_url=`` in-process): HTTPS to
  that host (and its subdomains); plain HTTP only when the mirror is on this computer
  (127.0.0.0/8, ::1, localhost), where no byte leaves the machine. That one setting is also the
  seam the tests use to point downloads at their loopback server (tests/http_server.py).

``DownloadSource.check`` is applied to the first URL and to every redirect, so a server cannot
send the download elsewhere, and the file is checked against the catalog's digests before it
replaces anything (``engine/download_check.py``).
"""
from __future__ import annotations

import base64
import http.client
import ipaddress
import socket
import ssl
import threading
import urllib.request
from dataclasses import dataclass
from urllib.parse import SplitResult, unquote, urlsplit

from engine.catalog import CATALOG_HOSTS, HF_BASE_URL
from engine.errors import DownloadError

_CANCEL_POLL_S = 0.05  # how often the watcher thread looks at the cancel event


def is_loopback_host(host: str) -> bool:
    """True for ``localhost``, 127.0.0.0/8 and ::1 — the only hosts plain HTTP may reach."""
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _host_within(host: str, allowed: str) -> bool:
    """``cdn-lfs.hf.co`` is within ``hf.co``; ``evilhf.co`` and ``hf.co.evil.org`` are not."""
    host, allowed = host.lower().rstrip("."), allowed.lower().rstrip(".")
    return host == allowed or host.endswith("." + allowed)


@dataclass(frozen=True)
class DownloadSource:
    """Where one download may go: its base URL and the hosts it (and redirects) may reach.

    Attributes:
        base_url: the folder URL model files are fetched from (ends with ``/``).
        hosts: hosts allowed, each with its subdomains.
        what: how refusals name the source (``the model catalog``, ``the mirror …``).
    """

    base_url: str
    hosts: tuple[str, ...]
    what: str

    def check(self, url: str) -> SplitResult:
        """Accept ``url`` if it is HTTPS (or plain HTTP on loopback) to one of ``hosts``.

        Raises:
            DownloadError: the URL is not allowed; nothing was sent anywhere.
        """
        parts = urlsplit(url)
        host = parts.hostname or ""
        secure = parts.scheme == "https" or (parts.scheme == "http" and is_loopback_host(host))
        if not (host and secure):
            raise DownloadError(f"Refusing to download from {url}: models are fetched over "
                                "HTTPS only (plain HTTP only from this computer).")
        if not any(_host_within(host, allowed) for allowed in self.hosts):
            raise DownloadError(f"Refusing to download from {url}: {host} is not where "
                                f"{self.what} keeps its models.")
        return parts


CATALOG_SOURCE = DownloadSource(HF_BASE_URL, CATALOG_HOSTS, "the model catalog")


def mirror_source(base_url: str) -> DownloadSource:
    """The source for a mirror the user named: HTTPS (or loopback HTTP) to that host only.

    Raises:
        DownloadError: the mirror's URL is not HTTPS (nor plain HTTP on this computer).
    """
    base = base_url if base_url.endswith("/") else base_url + "/"
    host = urlsplit(base).hostname or ""
    source = DownloadSource(base, (host,) if host else (), f"the mirror {base}")
    source.check(base)
    return source


def check_download_url(url: str, source: DownloadSource = CATALOG_SOURCE) -> SplitResult:
    """``source.check(url)``: by default, whether ``url`` is one of the catalog's."""
    return source.check(url)


def connection(parts: SplitResult, timeout: float) -> http.client.HTTPConnection:
    """A connection for ``parts``, through the HTTPS proxy from the environment if one is set."""
    host, port = parts.hostname, parts.port
    if parts.scheme == "http":  # loopback only (check_download_url), never proxied
        return http.client.HTTPConnection(host, port, timeout=timeout)
    context = ssl.create_default_context()
    proxy = urllib.request.getproxies().get("https")
    if proxy and not urllib.request.proxy_bypass(host):
        proxy_parts = urlsplit(proxy if "://" in proxy else "http://" + proxy)
        conn = http.client.HTTPSConnection(proxy_parts.hostname, proxy_parts.port or 8080,
                                           timeout=timeout, context=context)
        headers = {}
        if proxy_parts.username:
            secret = f"{unquote(proxy_parts.username)}:{unquote(proxy_parts.password or '')}"
            headers["Proxy-Authorization"] = "Basic " + base64.b64encode(secret.encode()).decode()
        conn.set_tunnel(host, port or 443, headers=headers)
        return conn
    return http.client.HTTPSConnection(host, port, timeout=timeout, context=context)


class CancelWatch:
    """Shuts the current connection's socket down as soon as ``cancel`` is set.

    The download thread hands each new connection over with ``attach``; the watcher thread
    reads it under the lock, so it never shuts down a connection that was already replaced.
    ``socket.shutdown`` from another thread is safe and wakes a blocked ``recv``.
    """

    def __init__(self, cancel: threading.Event | None):
        self.cancel = cancel
        self._conn: http.client.HTTPConnection | None = None
        self._lock = threading.Lock()
        self._finished = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> CancelWatch:
        if self.cancel is not None:
            self._thread = threading.Thread(target=self._watch, name="download-cancel", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._finished.set()
        if self._thread is not None:
            self._thread.join()

    def attach(self, conn: http.client.HTTPConnection) -> None:
        with self._lock:
            self._conn = conn

    def _watch(self) -> None:
        while not self._finished.wait(_CANCEL_POLL_S):
            if self.cancel.is_set():
                with self._lock:
                    sock = self._conn.sock if self._conn is not None else None
                    if sock is not None:
                        try:
                            sock.shutdown(socket.SHUT_RDWR)
                        except OSError:
                            pass  # already closed
                return


def content_range(value: str | None) -> tuple[int | None, int | None]:
    """``bytes 100-199/1000`` → (100, 1000); unknown parts are None."""
    if not value or not value.startswith("bytes "):
        return None, None
    span, _, total = value[len("bytes "):].partition("/")
    first = span.partition("-")[0]
    return (int(first) if first.isdigit() else None), (int(total) if total.isdigit() else None)


def content_range_total(value: str | None) -> int | None:
    """``bytes */1000`` (the 416 form) → 1000."""
    return content_range(value)[1]
