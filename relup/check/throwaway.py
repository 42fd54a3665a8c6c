"""A throwaway node for the rehearsal: the packages it installs, and the node itself.

:func:`make_packages` writes, in a work directory, the two packages a throwaway
root needs: OLD's package as it is (or packed from OLD's tree), and NEW packed from
a copy of its tree with check (b)'s relup written into ``releases/<vsn>/relup``.
The user's trees are only read.

:meth:`ThrowawayNode.start` creates a release root on OLD's package (``relup
init``) and starts a node on it as an OS process (``relup node start``: its control
channel is the Unix socket under the root); :meth:`ThrowawayNode.stop`, which the
rehearsal calls however it ends, stops it, killing a node that does not stop
gracefully in time. What the release itself listens on is its own business (the
sample services listen on 127.0.0.1).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from relup.check.inputs import OpenedRelease
from relup.control.client import Client
from relup.control.errors import NodeNotRunning
from relup.errors import RelupError
from relup.release.package import SKIPPED_DIRS, pack
from relup.release.root import init_root
from relup.service import launcher
from relup.service.layout import Layout
from relup.spec.toml_release import RELEASE_FILE, ReleaseManifest

#: Seconds a graceful stop may take before the node is killed.
STOP_TIMEOUT: Final = 10.0
_LOG_LINES: Final = 15


@dataclass(frozen=True, slots=True)
class Packages:
    """The two packages of a rehearsal."""

    old: Path
    new: Path


def release_dir(opened: OpenedRelease) -> Path:
    """The absolute ``releases/<vsn>`` directory of an opened release."""
    return Path(opened.ref).resolve()


def make_packages(old: OpenedRelease, new: OpenedRelease, relup_text: str, work: Path) -> Packages:
    """OLD's package, and NEW's with `relup_text` as its relup, under `work`."""
    out = work / "packages"
    if old.package is not None:
        old_package = old.package.path
    else:
        old_dir = release_dir(old)
        old_package = pack(old_dir.parent.parent, old_dir.name, out)
    new_dir = release_dir(new)
    manifest = ReleaseManifest.read(new_dir / RELEASE_FILE)
    tree = work / "new"
    copy = tree / "releases" / new_dir.name
    copy.mkdir(parents=True)
    shutil.copyfile(new_dir / RELEASE_FILE, copy / RELEASE_FILE)
    (copy / "relup").write_text(relup_text, encoding="utf-8")
    for app in manifest.apps:
        lib = f"{app.name}-{app.vsn}"
        shutil.copytree(
            new_dir.parent.parent / "lib" / lib,
            tree / "lib" / lib,
            ignore=shutil.ignore_patterns(*SKIPPED_DIRS),
        )
    return Packages(old_package, pack(tree, new_dir.name, out))


class ThrowawayNode:
    """A node (OS process `pid`) started on a package in a new root; :meth:`stop` ends it.

    :meth:`start` bounds the boot by `wait` seconds, and the client's requests by
    `timeout` unless a request gives its own. It raises the launcher's errors if the
    node does not start (it is then not running).
    """

    def __init__(self, root: Path, pid: int, client: Client) -> None:
        self.root = root
        self.pid = pid
        self.client = client

    @classmethod
    def start(cls, package: Path, root: Path, *, wait: float, timeout: float) -> ThrowawayNode:
        init_root(root, package)
        status = launcher.start(root, wait=wait)
        try:
            return cls(root, int(status["pid"]), Client.for_root(root, timeout=timeout))
        except BaseException:
            stop_node(root)
            raise

    def stop(self) -> None:
        """Stop the node: gracefully, else with SIGKILL; a node already gone is fine."""
        try:
            self.client.close()
        finally:
            stop_node(self.root)


def log_tail(root: Path, lines: int = _LOG_LINES) -> str:
    """The last `lines` lines of the log of the node of `root` ("" if there is none)."""
    return launcher.log_tail(Layout.of(root).log_file, lines=lines)


def stop_node(root: Path, timeout: float = STOP_TIMEOUT) -> None:
    """Stop the node of `root`: gracefully, else with SIGKILL; a node already gone is fine."""
    try:
        launcher.stop(root, timeout=timeout)
        return
    except NodeNotRunning:
        return
    except (RelupError, OSError):
        pass  # killed below
    launcher.kill(root, timeout=timeout)
