"""Whether the system libraries Qt's X11 (xcb) platform plugin needs are installed (Linux); no Qt imported.

PySide6's wheel ships Qt but not the X11 client libraries its xcb plugin links (``ldd
PySide6/Qt/plugins/platforms/libqxcb.so``).  Without one of them Qt prints that it "could not load the Qt
platform plugin xcb", blames xcb-cursor whichever library is missing, and aborts the process.  The app
checks first (``missing_libraries``) and says which packages to install, in one apt line.
"""

from __future__ import annotations

import ctypes
import os
import sys
from typing import Callable

# The libraries libqxcb.so and libQt6XcbQpa.so.6 link (Qt 6; ``objdump -p`` lists them as NEEDED), with the
# Debian/Ubuntu package of each, in the order of the apt line.  The last few (OpenGL, fonts, GLib, D-Bus) are
# on every desktop; a minimal or container install may lack them.  Qt 6 no longer links libxcb-xinerama.
XCB_LIBRARIES: dict[str, str] = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb.so.1": "libxcb1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libGL.so.1": "libgl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libdbus-1.so.3": "libdbus-1-3",
}
# Not needed to open the window: Qt's OpenGL integrations for xcb (libqxcb-egl- and -glx-integration.so).
OPTIONAL_PACKAGES = ("libegl1", "libxcb-glx0")
# Every package at once: installing the whole list is simpler than finding the one missing next.
APT_LINE = "sudo apt-get install " + " ".join(dict.fromkeys([*XCB_LIBRARIES.values(), *OPTIONAL_PACKAGES]))


def _loads(name: str) -> bool:
    try:
        ctypes.CDLL(name)  # the dynamic loader's own search (LD_LIBRARY_PATH, ld.so.cache), as Qt's
    except OSError:
        return False
    return True


def uses_xcb(environ: dict[str, str] | None = None, platform: str | None = None) -> bool:
    """Whether Qt will load its xcb plugin: on Linux, with QT_QPA_PLATFORM unset (outside a Wayland session)
    or naming xcb first."""
    environ = os.environ if environ is None else environ
    if not (platform or sys.platform).startswith("linux"):
        return False
    chosen = environ.get("QT_QPA_PLATFORM", "").strip()
    if chosen:
        return chosen.split(";")[0].split(":")[0].strip() == "xcb"
    # Unset: Qt picks Wayland in a Wayland session (xcb only as its fallback), xcb otherwise.
    return not (environ.get("WAYLAND_DISPLAY") or environ.get("XDG_SESSION_TYPE") == "wayland")


def missing_libraries(loads: Callable[[str], bool] | None = None) -> list[str]:
    """The xcb plugin's libraries (file names) that cannot be loaded (``loads``: a stand-in for tests)."""
    loads = loads or _loads
    return [name for name in XCB_LIBRARIES if not loads(name)]


def missing_libraries_message(missing: list[str]) -> str:
    """One ``error:`` line naming what is missing and the apt line that installs it all."""
    packages = ", ".join(XCB_LIBRARIES[name] for name in missing)
    return (
        f"error: the window cannot open: Qt's X11 (xcb) platform needs system libraries that are not "
        f"installed ({', '.join(missing)}; Debian/Ubuntu packages {packages}). Install them with: {APT_LINE}"
    )


def xcb_problem(
    environ: dict[str, str] | None = None, platform: str | None = None, loads: Callable[[str], bool] | None = None
) -> str | None:
    """The error line to print before starting Qt, or None when the window can open (or xcb is not used)."""
    if not uses_xcb(environ, platform):
        return None
    missing = missing_libraries(loads)
    return missing_libraries_message(missing) if missing else None
