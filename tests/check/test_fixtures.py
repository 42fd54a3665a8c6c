"""The fixture pairs of tests/data/check stay what their README says they are."""

from __future__ import annotations

import filecmp
from pathlib import Path

import pytest

from tests.check.pairs import BROKEN, DATA, REHEARSAL_ONLY

#: The files (under the variant's tree) in which each variant differs from good/.
DIFFERS_IN = {
    "missing-module": {"releases/2.0.0/release.toml", "lib/tally-2.0.0/tally.appup"},
    "no-code-change": {"releases/2.0.0/release.toml", "lib/tally-2.0.0/tally_srv.py"},
    "no-down-entry": {"releases/2.0.0/release.toml", "lib/tally-2.0.0/tally.appup"},
    "appup-version-mismatch": {"releases/2.0.0/release.toml", "lib/tally-2.0.0/tally.appup"},
    "code-change-raises": {"releases/2.0.0/release.toml", "lib/tally-2.0.0/tally_srv.py"},
    "down-not-restored": {"releases/2.0.0/release.toml", "lib/tally-2.0.0/tally_srv.py"},
}


def files(root: Path) -> set[str]:
    return {
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


def test_every_variant_is_listed() -> None:
    """Each directory beside old/ and good/ is a known variant, and each variant exists."""
    on_disk = {p.name for p in DATA.iterdir() if p.is_dir()} - {"old", "good"}
    assert set(DIFFERS_IN) == on_disk
    assert set(DIFFERS_IN) == set(BROKEN) | set(REHEARSAL_ONLY)


@pytest.mark.parametrize("variant", sorted(DIFFERS_IN))
def test_variant_differs_from_good_only_where_declared(variant: str) -> None:
    """A variant is the good NEW release with one thing broken (and its comment)."""
    good, broken = DATA / "good", DATA / variant
    assert files(good) == files(broken)
    differ = {f for f in files(good) if not filecmp.cmp(good / f, broken / f, shallow=False)}
    assert DIFFERS_IN[variant] == differ


def test_readme_describes_every_variant() -> None:
    """tests/data/check/README.md has a line for every variant."""
    text = (DATA / "README.md").read_text(encoding="utf-8")
    assert [] == [v for v in DIFFERS_IN if f"`{v}/`" not in text]
