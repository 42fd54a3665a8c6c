"""``relup downgrade``: ``relup install`` to an older release, refused if it would go up.

Which way an install goes is decided by the relups, not by version order (OTP's
rule: the target's relup has an up entry for the running release, else the
running release's relup a down entry for the target), so the command asks the
node's ``check`` and refuses, before anything changes, unless it says down.
"""

from __future__ import annotations

from relup.cli import install as install_command
from relup.cli import remote
from relup.cli.install import (
    DEFAULT_INSTALL_TIMEOUT,
    DryRunOption,
    ForceOption,
    InstallRequest,
    InstallTimeoutOption,
    PermanentOption,
    SuspendTimeoutOption,
    VsnArgument,
)


def downgrade(
    vsn: VsnArgument,
    root: remote.RootOption = None,
    permanent: PermanentOption = False,
    dry_run: DryRunOption = False,
    force: ForceOption = False,
    suspend_timeout: SuspendTimeoutOption = None,
    as_json: remote.JsonOption = False,
    timeout: InstallTimeoutOption = DEFAULT_INSTALL_TIMEOUT,
) -> None:
    """Go back to an older release VSN on the running node, with the running release's relup.

    Exactly relup install VSN, except that it is refused (exit 1, nothing
    changed) unless the node's check says the install goes down: the
    running release's relup must have a down entry for VSN. Every phase is
    shown as the node goes through it; the state of each process is migrated
    back by its code_change. --dry-run shows the plan instead.

    Exit status: 0 downgraded (or planned), 1 refused (not a downgrade, no
    relup leads there, ...) or rolled back, 2 usage, 3 no node runs at the
    root, 4 the node did not answer in time.

    Example: relup downgrade 1.0.0 --root /srv/shop
    """
    root = remote.need_root(root)
    install_command.run(
        root,
        InstallRequest(
            vsn=vsn,
            permanent=permanent,
            dry_run=dry_run,
            force=force,
            suspend_timeout=suspend_timeout,
            timeout=timeout,
            as_json=as_json,
        ),
        only="down",
    )
