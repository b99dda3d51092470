"""Build tlstudio as a one-folder program with PyInstaller, and optionally smoke-test it.

    python packaging/build.py            # dist/tlstudio/tlstudio (tlstudio.exe on Windows)
    python packaging/build.py --smoke    # build, then run packaging/smoke_test.py against it

Needs the ``build`` extra (``pip install -e ".[build,onnx,hub]"``).  The build
holds whichever torch is installed: a CPU torch makes the CPU flavour, a CUDA
torch the CUDA one.  Its size and the versions in it are written to
``dist/tlstudio-build.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "dist"


def folder_size(path: Path) -> tuple[int, int]:
    files = [p for p in path.rglob("*") if p.is_file() and not p.is_symlink()]
    return sum(p.stat().st_size for p in files), len(files)


def build(clean: bool) -> dict:
    started = time.time()
    command = [
        sys.executable,
        "-m",
        "PyInstaller",
        str(ROOT / "packaging" / "tlstudio.spec"),
        "--noconfirm",
        "--distpath",
        str(DIST),
        "--workpath",
        str(ROOT / "build" / "pyinstaller"),
        "--log-level",
        "WARN",
    ]
    if clean:
        command.append("--clean")
    subprocess.run(command, cwd=ROOT, check=True)
    folder = DIST / "tlstudio"
    size, count = folder_size(folder)
    from importlib.metadata import version

    info = {
        "folder": str(folder),
        "executable": str(folder / ("tlstudio.exe" if os.name == "nt" else "tlstudio")),
        "size_bytes": size,
        "size_mb": round(size / 1e6, 1),
        "files": count,
        "build_seconds": round(time.time() - started, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": {p: version(p) for p in ("pyinstaller", "torch", "transformers", "onnxruntime")},
        "has_ui": (ROOT / "tlstudio" / "ui").is_dir() and os.environ.get("TLSTUDIO_BUILD_NO_UI") != "1",
    }
    (DIST / "tlstudio-build.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    print(f"built {info['executable']}: {info['size_mb']} MB in {count} files, {info['build_seconds']} s")
    return info


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="run the smoke test on the build")
    parser.add_argument("--clean", action="store_true", help="discard PyInstaller's cache first")
    parser.add_argument("--skip-build", action="store_true", help="smoke-test the existing build")
    args = parser.parse_args()
    if args.skip_build:
        info = json.loads((DIST / "tlstudio-build.json").read_text(encoding="utf-8"))
    else:
        info = build(args.clean)
    if args.smoke or args.skip_build:
        return subprocess.run(
            [sys.executable, str(ROOT / "packaging" / "smoke_test.py"), info["executable"]]
            + (["--app"] if info["has_ui"] else [])
        ).returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
