"""The release handler's disk side: packages, release roots and their state file.

* :mod:`relup.release.status` -- the statuses and their transition table (data);
* :mod:`relup.release.store` -- ``releases/RELEASES.toml``, atomic writes, and the
  pure functions that apply the table to a list of releases;
* :mod:`relup.release.package` -- ``relup pack``, package verification, unpack;
* :mod:`relup.release.package_reasons` -- :class:`PackageError` and why a package
  is refused;
* :mod:`relup.release.root` -- a root's layout, creating one, removing a release.

Nothing here imports the runtime: these work on files only. The node side is
imported by module path, so that ``import relup.release`` stays free of asyncio:
:mod:`relup.release.handler` (install, make permanent, downgrade),
:mod:`relup.release.evaluate` (runs instructions), :mod:`relup.release.ops` (the
control channel's operations) and :mod:`relup.release.term_mapping` (Erlang term
text ↔ the Python values the runtime uses).
"""

from relup.release.package import Package, pack, unpack, verify_package
from relup.release.package_reasons import PackageError
from relup.release.root import (
    ReleaseRoot,
    init_root,
    remove_release,
    verify_release,
    which_releases,
)
from relup.release.status import TRANSITIONS, Action, Status
from relup.release.store import (
    ReleaseEntry,
    ReleaseError,
    ReleaseStore,
    StateFileError,
    add_release,
    after_restart,
    boot_release,
    find_release,
    mark_permanent,
    set_status,
    transition,
)

__all__ = [
    "TRANSITIONS",
    "Action",
    "Package",
    "PackageError",
    "ReleaseEntry",
    "ReleaseError",
    "ReleaseRoot",
    "ReleaseStore",
    "StateFileError",
    "Status",
    "add_release",
    "after_restart",
    "boot_release",
    "find_release",
    "init_root",
    "mark_permanent",
    "pack",
    "remove_release",
    "set_status",
    "transition",
    "unpack",
    "verify_package",
    "verify_release",
    "which_releases",
]
