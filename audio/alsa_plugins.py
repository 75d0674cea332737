"""Give back the ALSA plugins that PortAudio's device scan loaded and no open stream uses.

PortAudio lists ALSA devices by opening every PCM that ALSA's configuration defines, once for
capture and once for playback. Each open loads that PCM's plugin library, with everything the
library links to. On Debian, with ``libasound2-plugins`` installed, the ``a52`` encoder plugin
alone brings in libavcodec and about forty more libraries: x265, rav1e, aom, librsvg and so on.
alsa-lib keeps every plugin it has loaded, and the parsed configuration too, until
``snd_config_update_free_global()``. PortAudio calls that only in ``Pa_Terminate``. Measured
here, the scan leaves ~10 MiB resident that a recording never uses (docs/PERFORMANCE.md,
"Memory, session 7").

Calling that alsa-lib function right after a scan gives the memory back at once:

* the plugin of an open stream stays loaded, because alsa-lib counts references to each
  plugin and unloads only the unused ones;
* the configuration is reference-counted and read again on the next open (a few
  milliseconds, once per device change);
* it is the same call that PortAudio makes at every ``Pa_Terminate``, so every rescan already
  runs this unloading path. Here it just runs earlier.

No Qt here, and no PortAudio: just alsa-lib through ctypes, which finds the copy PortAudio
loaded. Without alsa-lib (another platform, or a PortAudio without ALSA) there is nothing to
give back.
"""
from __future__ import annotations

import ctypes
import logging

log = logging.getLogger(__name__)

#: alsa-lib's soname. It is the library PortAudio's ALSA host API links to, so loading it
#: again returns the same handle.
ALSA_LIBRARY = "libasound.so.2"


def release_unused_alsa_plugins(library: str = ALSA_LIBRARY) -> bool:
    """Unload the ALSA plugins no open stream uses, and drop ALSA's parsed configuration.

    Call it after a device scan (``Pa_Initialize``), on the thread that scanned: during a scan
    PortAudio walks ALSA's configuration without holding a reference to it. A stream being
    opened meanwhile is safe: alsa-lib frees under its own locks, and counts the plugin's
    reference under the lock it loads it under, so that plugin stays.

    Args:
        library: alsa-lib's file name (tests point it elsewhere).

    Returns:
        True if alsa-lib was there and was asked to release; False if it could not be loaded.
    """
    try:
        alsa = ctypes.CDLL(library)
        free_global = alsa.snd_config_update_free_global
    except (OSError, AttributeError) as error:
        log.debug("no alsa-lib to release plugins from: %s", error)
        return False
    free_global.restype = ctypes.c_int
    free_global.argtypes = []
    status = free_global()
    if status < 0:  # it returns 0 in every alsa-lib to date; say so if that ever changes
        log.warning("alsa-lib did not release its configuration (error %d)", status)
    return True
