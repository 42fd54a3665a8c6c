"""The files under a root: the lock says who runs, the pid file is only ours to remove."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from relup.service import Layout, NodeAlreadyRunning, RootError
from relup.service.layout import InstanceLock


class TestRoot:
    def test_missing_root_is_refused(self, tmp_path: Path) -> None:
        """A root that does not exist is a RootError with a hint about --root."""
        with pytest.raises(RootError, match="does not exist") as info:
            Layout.of(tmp_path / "nope").prepare()
        assert info.value.hint is not None
        assert "--root" in info.value.hint

    def test_file_as_root_is_refused(self, tmp_path: Path) -> None:
        """A regular file is not a release root."""
        (tmp_path / "f").write_text("")
        with pytest.raises(RootError, match="is not a directory"):
            Layout.of(tmp_path / "f").check_root()

    def test_prepare_makes_a_private_run_dir(self, tmp_path: Path) -> None:
        """run/ is 0700 even if it existed with a wider mode."""
        (tmp_path / "run").mkdir(mode=0o755)
        Layout.of(tmp_path).prepare()
        assert 0o700 == stat.S_IMODE(os.stat(tmp_path / "run").st_mode)
        assert (tmp_path / "log").is_dir()

    def test_relative_root_is_made_absolute(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Paths are absolute, so that a node started elsewhere finds the same files."""
        monkeypatch.chdir(tmp_path)
        assert tmp_path / "x" == Layout.of("x").root


class TestLock:
    def test_second_lock_is_refused_naming_the_pid(self, tmp_path: Path) -> None:
        """While one holder has the lock, acquiring it again fails with the pid file's pid."""
        layout = Layout.of(tmp_path)
        layout.prepare()
        layout.write_pid(4242)
        lock = InstanceLock.acquire(layout)
        try:
            assert layout.node_running()
            assert 4242 == layout.running_pid()
            with pytest.raises(NodeAlreadyRunning, match=r"\(pid 4242\)"):
                InstanceLock.acquire(layout, attempts=2)
        finally:
            lock.release()
        assert not layout.node_running()
        assert layout.running_pid() is None

    def test_probing_does_not_take_the_lock(self, tmp_path: Path) -> None:
        """node_running() leaves the lock free for a node that starts next."""
        layout = Layout.of(tmp_path)
        layout.prepare()
        InstanceLock.acquire(layout).release()
        assert not layout.node_running()
        InstanceLock.acquire(layout).release()

    def test_no_lock_file_means_no_node(self, tmp_path: Path) -> None:
        """A root where no node ever ran has no node running."""
        assert not Layout.of(tmp_path).node_running()


class TestPidFile:
    def test_written_read_and_removed_only_by_its_owner(self, tmp_path: Path) -> None:
        """remove_pid(pid) leaves a pid file that names another process."""
        layout = Layout.of(tmp_path)
        layout.prepare()
        layout.write_pid(10)
        assert "10\n" == layout.pid_file.read_text()
        layout.remove_pid(11)
        assert 10 == layout.read_pid()
        layout.remove_pid(10)
        assert not layout.pid_file.exists()
        assert layout.read_pid() is None

    def test_garbage_pid_file(self, tmp_path: Path) -> None:
        """A pid file that does not hold a number reads as no pid."""
        layout = Layout.of(tmp_path)
        layout.prepare()
        layout.pid_file.write_text("not a pid")
        assert layout.read_pid() is None
