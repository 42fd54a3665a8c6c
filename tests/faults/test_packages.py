"""Corrupt, truncated and hostile packages sent to a real node's ``unpack`` op.

The packages are kvrel 2 changed with the builders of ``tests/release/``
(``hostile``, ``add``, ``file_member``, ``special_member``); ``releases/`` and
``lib/`` of the root are compared by snapshot (path, type, mode and content of every
entry) before and after each refusal.
"""

from __future__ import annotations

import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

from relup.control import RemoteError
from relup.release import package_reasons as pr
from tests.faults.live import Kv, Live, vsn_of
from tests.release.conftest import Member, file_member, snapshot, special_member
from tests.release.test_package import add, hostile

pytestmark = pytest.mark.slow

Edit = Callable[[list[Member]], list[Member]] | Callable[[bytes], bytes]

SHAPES: dict[str, tuple[Edit, pr.PackageReason]] = {
    "corrupt-deflate": (
        lambda data: data[:200] + bytes(b ^ 0xFF for b in data[200:260]) + data[260:],
        pr.Corrupt(""),
    ),
    "truncated": (lambda data: data[: len(data) // 2], pr.Corrupt("")),
    "path-traversal": (
        add(file_member("lib/kv-2/../../../evil.py")),
        pr.ParentReference("lib/kv-2/../../../evil.py"),
    ),
    "absolute-path": (
        add(file_member("/tmp/relup-evil.py")),
        pr.AbsolutePath("/tmp/relup-evil.py"),
    ),
    "symlink-out-of-root": (
        add(special_member("lib/kv-2/passwd", tarfile.SYMTYPE, "../../../../etc/passwd")),
        pr.Symlink("lib/kv-2/passwd", "../../../../etc/passwd"),
    ),
    "absolute-symlink": (
        add(special_member("lib/kv-2/etc", tarfile.SYMTYPE, "/etc")),
        pr.Symlink("lib/kv-2/etc", "/etc"),
    ),
    "hard-link-out-of-root": (
        add(special_member("lib/kv-2/shadow", tarfile.LNKTYPE, "/etc/shadow")),
        pr.HardLink("lib/kv-2/shadow", "/etc/shadow"),
    ),
}


def _dirs(root: Path) -> dict[str, object]:
    """Snapshots of releases/ and lib/, and the names at the root's top."""
    return {
        "top": sorted(e.name for e in root.iterdir() if e.name not in ("log", "run")),
        "releases": snapshot(root / "releases"),
        "lib": snapshot(root / "lib"),
    }


@pytest.mark.parametrize(("edit", "reason"), SHAPES.values(), ids=SHAPES.keys())
def test_unpack_op_refuses_bad_package(
    live: Live, tmp_path: Path, edit: Edit, reason: pr.PackageReason
) -> None:
    """Refused with its reason naming the package; releases/ and lib/ unchanged; node serves."""
    kv = Kv.build(tmp_path)
    kv.init(live.root)
    bad = hostile(tmp_path, kv.package("2"), edit)
    live.start()
    before = _dirs(live.root)

    with pytest.raises(RemoteError) as info:
        live.request("unpack", {"package": str(bad)})

    assert type(reason).__name__ == info.value.remote_kind
    message = info.value.remote_message
    assert str(bad) in message
    if not isinstance(reason, pr.Corrupt):  # a corrupt stream's detail is zlib's own words
        assert reason.describe() in message
    assert before == _dirs(live.root)
    assert not (live.root.parent / "evil.py").exists()
    assert not Path("/tmp/relup-evil.py").exists()
    # the node still serves, and still unpacks a good package
    assert {"1"} == {vsn_of(r) for r in live.replies().values()}
    assert {"vsn": "2"} == live.request("unpack", {"package": str(kv.package("2"))})
    assert ({"2": "unpacked", "1": "permanent"}, "1") == live.releases()
    live.stop()
