"""The shape the project promises: a Qt-free core, and cheap imports."""

from __future__ import annotations

import ast
import subprocess
import sys

from helpers import REPO, imported_modules

FORBIDDEN_IN_CORE = ("PySide6", "PyQt5", "PyQt6", "pyqtgraph", "shiboken6")


def test_core_never_imports_qt():
    offenders = {
        str(path.relative_to(REPO)): sorted(imported_modules(path) & set(FORBIDDEN_IN_CORE))
        for path in (REPO / "tlstudio" / "core").rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_core_never_imports_the_app():
    for path in (REPO / "tlstudio" / "core").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert "tlstudio.ui" not in source and "from ..ui" not in source and "from .ui" not in source, path


def test_the_launcher_imports_the_app_only_inside_the_function_that_opens_it():
    tree = ast.parse((REPO / "tlstudio" / "launch.py").read_text(encoding="utf-8"))
    top_level = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
    assert not [n for n in top_level if isinstance(n, ast.ImportFrom) and (n.module or "").startswith("ui")]
    openers = {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef)
        for inner in ast.walk(node)
        if isinstance(inner, ast.ImportFrom) and (inner.module or "").startswith("ui")
    }
    assert openers == {"open_app"}


def test_importing_the_package_and_core_loads_no_heavy_library():
    code = (
        "import sys, tlstudio, tlstudio.core, tlstudio.core.config, tlstudio.core.progress, "
        "tlstudio.core.errors, tlstudio.core.tasks, tlstudio.cli\n"
        "heavy = [m for m in ('torch', 'transformers', 'pandas', 'datasets', 'PySide6') if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert result.stdout.strip() == ""


def test_the_import_scan_sees_modules_loaded_by_name(tmp_path):
    # The Qt-free check above must also catch a module that loads Qt by name, out of import-linter's sight.
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text("import importlib\n\ndef show():\n    return importlib.import_module('PySide6.QtWidgets')\n")
    assert "PySide6" in imported_modules(sneaky)


def test_the_command_lines_help_loads_no_heavy_library():
    # `tlstudio --help` and `tlstudio train --help` answer at once: no torch, transformers, pandas or Qt.
    for argv in (["--help"], ["train", "--help"]):
        code = (
            "import runpy, sys\n"
            f"sys.argv = ['tlstudio', *{argv!r}]\n"
            "try:\n    runpy.run_module('tlstudio', run_name='__main__')\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('torch', 'transformers', 'pandas', 'datasets', 'PySide6') if m in sys.modules]\n"
            "print('HEAVY:' + ','.join(heavy))\n"
        )
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
        assert result.returncode == 0, result.stderr
        assert "usage: tlstudio" in result.stdout
        assert result.stdout.strip().splitlines()[-1] == "HEAVY:", (argv, result.stdout.splitlines()[-1])
