"""The rehearsal's packages: OLD as it is, NEW with the generated relup; the trees untouched."""

from __future__ import annotations

import tarfile
from pathlib import Path

from relup.check.inputs import open_release
from relup.check.throwaway import make_packages, stop_node
from relup.release.package import pack, verify_package
from tests.check.pairs import DATA, OLD, new

RELUP = '{"2.0.0",[{"1.0.0",[],[point_of_no_return]}],[{"1.0.0",[],[point_of_no_return]}]}.\n'


def members(package: Path) -> dict[str, bytes]:
    with tarfile.open(package) as tar:
        return {
            m.name: tar.extractfile(m).read()  # type: ignore[union-attr]
            for m in tar.getmembers()
            if m.isfile()
        }


def test_new_gets_the_relup_and_trees_are_untouched(tmp_path: Path) -> None:
    """NEW's package holds the given relup; OLD's is packed from its tree; neither tree changes."""
    before = sorted(p for p in DATA.rglob("*") if "__pycache__" not in p.parts)
    with open_release(str(OLD)) as old, open_release(str(new())) as top:
        packages = make_packages(old, top, RELUP, tmp_path)
    assert RELUP.encode() == members(packages.new)["releases/2.0.0/relup"]
    assert ("1.0.0", "2.0.0") == (
        verify_package(packages.old).vsn,
        verify_package(packages.new).vsn,
    )
    assert (DATA / "good" / "lib" / "tally-2.0.0" / "tally_srv.py").read_bytes() == members(
        packages.new
    )["lib/tally-2.0.0/tally_srv.py"]
    assert before == sorted(p for p in DATA.rglob("*") if "__pycache__" not in p.parts)


def test_old_package_is_used_as_it_is(tmp_path: Path) -> None:
    """An OLD given as a package is installed from that very file; NEW from a package too."""
    old_pkg = pack(DATA / "old", "1.0.0", tmp_path / "given")
    new_pkg = pack(DATA / "good", "2.0.0", tmp_path / "given")
    with open_release(str(old_pkg)) as old, open_release(str(new_pkg)) as top:
        packages = make_packages(old, top, RELUP, tmp_path / "work")
    assert old_pkg == packages.old
    assert RELUP.encode() == members(packages.new)["releases/2.0.0/relup"]


def test_stopping_no_node_is_fine(tmp_path: Path) -> None:
    """stop_node on a root where no node runs returns quietly (the rehearsal's finally)."""
    stop_node(tmp_path)
    assert [] == list(tmp_path.iterdir())
