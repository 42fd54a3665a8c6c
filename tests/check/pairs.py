"""The release pairs of tests/data/check, and helpers to copy and alter them in a test.

Every pair is OLD = ``old/releases/1.0.0`` with NEW = ``<variant>/releases/2.0.0``;
tests/data/check/README.md says what each variant breaks.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from relup.check.diff import ReleaseDiff, diff_releases
from relup.plan import PythonTree
from tests.conftest import REPO

DATA = REPO / "tests" / "data" / "check"
OLD = DATA / "old" / "releases" / "1.0.0"
KVSTORE = REPO / "sample_releases" / "kvstore"

#: Each broken variant and the finding codes (errors) relup check reports for it.
BROKEN = {
    "missing-module": {"missing-module"},
    "no-code-change": {"no-code-change"},
    "no-down-entry": {"no-down-entry", "relup-refused"},
    "appup-version-mismatch": {"appup-version-mismatch"},
}
#: Variants broken in a way only the rehearsal can see, and the code it reports.
REHEARSAL_ONLY = {
    "code-change-raises": "rehearsal-install-failed",
    "down-not-restored": "rehearsal-state-differs",
}


def new(variant: str = "good") -> Path:
    return DATA / variant / "releases" / "2.0.0"


def copy_pair(tmp_path: Path, variant: str = "good") -> tuple[Path, Path]:
    """OLD and NEW copied under `tmp_path` (to alter); returns their release directories."""
    shutil.copytree(DATA / "old", tmp_path / "old")
    shutil.copytree(DATA / variant, tmp_path / "new")
    return tmp_path / "old" / "releases" / "1.0.0", tmp_path / "new" / "releases" / "2.0.0"


def appup_of(new_release: Path) -> Path:
    """The tally appup of a NEW release directory."""
    return new_release.parents[1] / "lib" / "tally-2.0.0" / "tally.appup"


def module_of(release: Path, module: str) -> Path:
    """`module`'s source file in the tally application of a release directory."""
    vsn = release.name
    return release.parents[1] / "lib" / f"tally-{vsn}" / f"{module}.py"


def diff(old: Path = OLD, new_release: Path | None = None) -> ReleaseDiff:
    source = PythonTree()
    top = new_release if new_release is not None else new()
    return diff_releases(source.read_release(str(old)), source.read_release(str(top)))
