"""A real HTTP server on 127.0.0.1 that serves model files and misbehaves on request.

Used by the download tests (and usable by CLI tests through ``MURMUR_MODEL_BASE_URL``)::

    with ModelServer({"ggml-x.bin": data}) as server:
        server.drop_after = 1000        # close the connection after 1000 body bytes
        download_model(entry, folder, base_url=server.url)

Behaviours, all plain attributes read per request: ``drop_after``, ``stall_after`` (send that
many bytes, set ``stalled``, then hang until the server closes), ``ignore_range``, ``status``
(answer every request with it), ``redirects`` (file name → Location of a 302). Each request is recorded in ``requests``.
The server runs in its own thread; handlers run in per-request threads. ``requests`` is only
appended to (atomic under the GIL) and read by the test after the download returned.
"""
from __future__ import annotations

import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class SeenRequest:
    path: str
    range: str | None
    status: int


class ModelServer:
    """Serves ``files`` (name → bytes) at ``http://127.0.0.1:<port>/<name>``."""

    def __init__(self, files: dict[str, bytes]):
        self.files = dict(files)
        self.drop_after: int | None = None
        self.stall_after: int | None = None
        self.ignore_range = False
        self.status: int | None = None
        self.redirects: dict[str, str] = {}
        self.requests: list[SeenRequest] = []
        self.stalled = threading.Event()
        self._release = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._httpd.handle_error = lambda request, address: None  # the client hung up: expected
        # A short poll interval only makes shutdown() return sooner.
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,),
                                        name="model-server", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/"

    def __enter__(self) -> ModelServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        self._release.set()  # wake stalled handlers
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()


def unused_port() -> int:
    """A loopback port nothing listens on (bound, then released), for "server gone" tests."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _handler_for(server: ModelServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format, *args):  # noqa: A002 - keep test output quiet
            pass

        def do_GET(self):  # noqa: N802 - http.server's naming
            wanted_range = self.headers.get("Range")
            name = self.path.rsplit("/", 1)[-1]
            if server.status is not None:
                return self._reply(server.status, wanted_range)
            if name in server.redirects:
                # Recorded before answering: the client may follow the redirect (and be
                # recorded) as soon as the headers are out.
                server.requests.append(SeenRequest(self.path, wanted_range, 302))
                self.send_response(302)
                self.send_header("Location", server.redirects[name])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if name not in server.files:
                return self._reply(404, wanted_range)
            data = server.files[name]
            start = 0
            if wanted_range and not server.ignore_range:
                start = int(wanted_range.removeprefix("bytes=").split("-")[0])
                if start >= len(data):
                    server.requests.append(SeenRequest(self.path, wanted_range, 416))
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{len(data)}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            else:
                self.send_response(200)
            server.requests.append(SeenRequest(self.path, wanted_range, 206 if start else 200))
            self.send_header("Content-Length", str(len(data) - start))
            self.end_headers()
            self._send_body(data[start:])

        def _send_body(self, body: bytes) -> None:
            if server.stall_after is not None:
                self.wfile.write(body[:server.stall_after])
                server.stalled.set()
                server._release.wait()
            elif server.drop_after is not None:
                self.wfile.write(body[:server.drop_after])
            else:
                self.wfile.write(body)
            self.close_connection = True

        def _reply(self, status: int, wanted_range: str | None) -> None:
            server.requests.append(SeenRequest(self.path, wanted_range, status))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

    return Handler
