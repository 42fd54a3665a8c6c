"""The public surface stays small and sorted, and the pure layers stay pure."""

from __future__ import annotations

import ast
from pathlib import Path
from types import ModuleType

import relup

PACKAGE = Path(relup.__file__).resolve().parent
PURE = ("terms", "spec", "plan")
FORBIDDEN = ("asyncio", "relup.runtime", "relup.release", "relup.cli", "rich", "typer")


def test_all_is_sorted_and_complete() -> None:
    """Every public name of relup is in __all__, which is sorted."""
    public = sorted(
        n for n, v in vars(relup).items() if not n.startswith("_") and not isinstance(v, ModuleType)
    )
    assert sorted(relup.__all__) == relup.__all__
    assert sorted(relup.__all__) == public


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_pure_layers_import_no_io_or_ui() -> None:
    """relup.terms, relup.spec and relup.plan import no asyncio, runtime, rich or typer."""
    offenders = []
    for layer in PURE:
        for path in sorted((PACKAGE / layer).rglob("*.py")):
            for name in imported_modules(path):
                if any(name == f or name.startswith(f + ".") for f in FORBIDDEN):
                    offenders.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert [] == offenders


def test_rich_and_typer_only_under_cli() -> None:
    """Only relup/cli imports rich or typer."""
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "cli" in path.relative_to(PACKAGE).parts:
            continue
        for name in imported_modules(path):
            if name.split(".")[0] in ("rich", "typer", "click"):
                offenders.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert [] == offenders
