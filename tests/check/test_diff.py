"""The difference between two releases: applications and modules, classified from source."""

from __future__ import annotations

import shutil
from pathlib import Path

from relup.check.diff import ModuleDiff, ReleaseDiff
from relup.check.inputs import open_release
from relup.release.package import pack
from tests.check.pairs import DATA, OLD, copy_pair, diff, module_of


def twins(tmp_path: Path) -> tuple[Path, Path]:
    """Two copies of the OLD tree: the same release 1.0.0 twice, to edit one."""
    shutil.copytree(DATA / "old", tmp_path / "a")
    shutil.copytree(DATA / "old", tmp_path / "b")
    return tmp_path / "a" / "releases" / "1.0.0", tmp_path / "b" / "releases" / "1.0.0"


def tally_module(name: str) -> ModuleDiff:
    """Module `name` of tally's difference in the good pair (it must be there)."""
    app = diff().app("tally")
    assert app is not None
    module = app.module(name)
    assert module is not None
    return module


def summary(d: ReleaseDiff) -> dict[str, object]:
    """Each application's change and versions, and its modules' changes and kinds."""
    return {
        a.name: (
            a.change,
            a.old_vsn,
            a.new_vsn,
            [(m.name, m.change, m.kind) for m in a.modules],
        )
        for a in d.apps
    }


class TestApplications:
    def test_good_pair(self) -> None:
        """tally changes, stats joins, legacy leaves; NEW's boot order, then the removed."""
        expected = {
            "tally": (
                "changed",
                "1.0.0",
                "2.0.0",
                [
                    ("tally_sup", "changed", "supervisor"),
                    ("tally_srv", "changed", "gen_server"),
                    ("tally_fmt", "changed", "plain"),
                    ("tally_log", "added", "plain"),
                    ("tally_old", "removed", "plain"),
                ],
            ),
            "stats": ("added", None, "1.0.0", []),
            "legacy": ("removed", "1.0.0", None, []),
        }
        d = diff()
        assert expected == summary(d)
        assert ["tally", "stats", "legacy"] == [a.name for a in d.apps]
        assert ["tally"] == [a.name for a in d.upgraded]

    def test_same_release_has_no_difference(self) -> None:
        """A release compared with itself differs in nothing."""
        assert () == diff(OLD, OLD).apps

    def test_same_version_with_changed_code_is_a_changed_application(self, tmp_path: Path) -> None:
        """An application whose files change without a new version is listed, version unchanged."""
        before, after = twins(tmp_path)
        module_of(after, "tally_fmt").write_text("def show(count):\n    return str(count)\n")
        (app,) = diff(before, after).apps
        assert ("tally", "changed", False) == (app.name, app.change, app.version_changed)
        assert ["tally_fmt"] == [m.name for m in app.modules]
        assert () == diff(before, after).upgraded


class TestModules:
    def test_tally_srv_is_a_gen_server_with_code_change_and_new_state(self) -> None:
        """tally_srv: both versions gen_servers, NEW defines code_change, its state gains calls."""
        srv = tally_module("tally_srv")
        assert srv.has_code_change
        assert srv.old is not None and not srv.old.has_code_change
        assert srv.state_change is not None
        assert "init's state: a dict with keys count -> a dict with keys calls, count" == (
            srv.state_change.describe()
        )

    def test_supervisor_evidence_is_kept(self) -> None:
        """tally_sup is a supervisor: its ChildSpecs and tally_app's start_link are the evidence."""
        sup = tally_module("tally_sup")
        assert "it builds ChildSpecs" in sup.info.evidence
        assert "tally_app starts it with supervisor.start_link" in sup.info.evidence
        assert "tally_sup" == sup.info.registered_as

    def test_unchanged_module_is_not_listed(self) -> None:
        """tally_app has the same bytes in both versions: it is not a changed module."""
        app = diff().app("tally")
        assert app is not None
        assert None is app.module("tally_app")

    def test_a_comment_is_a_change(self, tmp_path: Path) -> None:
        """Changed code means different bytes: a changed comment makes a changed module."""
        old, new = copy_pair(tmp_path)
        path = module_of(new, "tally_app")
        path.write_text(path.read_text() + "# a comment\n")
        app_diff = diff(old, new).app("tally")
        assert app_diff is not None
        module = app_diff.module("tally_app")
        assert module is not None
        assert ("changed", "plain") == (module.change, module.kind)

    def test_imports_of_both_versions(self) -> None:
        """A module's imports are those of either version."""
        srv = tally_module("tally_srv")
        assert {"tally_fmt", "tally_log", "relup"} == set(srv.imports)

    def test_manifest_only_change_is_noticed(self, tmp_path: Path) -> None:
        """An app.toml edited without a new version marks its application changed."""
        before, after = twins(tmp_path)
        app_toml = after.parents[1] / "lib" / "tally-1.0.0" / "app.toml"
        app_toml.write_text(app_toml.read_text().replace("Counts additions", "Counts"))
        (app,) = diff(before, after).apps
        assert (True, ()) == (app.manifest_changed, app.modules)


class TestPackages:
    def test_package_and_tree_give_the_same_difference(self, tmp_path: Path) -> None:
        """OLD and NEW as packages give the same difference as their trees."""
        dist = tmp_path / "dist"
        old_pkg = pack(DATA / "old", "1.0.0", dist)
        new_pkg = pack(DATA / "good", "2.0.0", dist)
        with open_release(str(old_pkg)) as o, open_release(str(new_pkg)) as n:
            from_packages = summary(diff(Path(o.ref), Path(n.ref)))
        assert summary(diff()) == from_packages

    def test_extraction_is_removed_afterwards(self, tmp_path: Path) -> None:
        """The temporary directory a package is extracted into is gone after the block."""
        package = pack(DATA / "good", "2.0.0", tmp_path)
        with open_release(str(package)) as opened:
            root = opened.root
            assert root is not None and Path(root, "releases", "2.0.0", "release.toml").is_file()
        assert not Path(root).exists()
