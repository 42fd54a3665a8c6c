"""The runtime's public surface is sorted and complete, and it imports only the stdlib."""

from __future__ import annotations

import ast
import sys
from pathlib import Path
from types import ModuleType

import relup.runtime
import relup.testing

RUNTIME = Path(relup.runtime.__file__).resolve().parent


def test_all_is_sorted_and_complete() -> None:
    for package in (relup.runtime, relup.testing):
        public = sorted(
            n
            for n, v in vars(package).items()
            if not n.startswith("_") and (not isinstance(v, ModuleType) or n in package.__all__)
        )
        assert sorted(package.__all__) == package.__all__
        assert sorted(package.__all__) == public


def test_runtime_imports_only_stdlib_and_relup_errors() -> None:
    """runtime ──► stdlib + errors only (STYLE.md's layer rule)."""
    offenders = []
    for path in sorted(RUNTIME.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                ok = top in sys.stdlib_module_names or name == "relup.errors"
                ok = ok or name == "relup.runtime" or name.startswith("relup.runtime.")
                if not ok:
                    offenders.append(f"{path.name} imports {name}")
    assert [] == offenders
