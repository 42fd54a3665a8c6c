"""Errors of the node as an OS process: starting, stopping, and the release root.

::

    ControlError (relup.control.errors)
    └── ServiceError
        ├── RootError            the release root is missing or not a directory
        ├── NodeAlreadyRunning   another node holds the root's lock
        ├── StartError           the node died or stayed silent while starting (log tail)
        └── StopError            the node did not stop in time
"""

from __future__ import annotations

from pathlib import Path

from relup.control.errors import ControlError


class ServiceError(ControlError):
    """Base class of the errors about a node's process."""

    kind = "service-error"


class RootError(ServiceError):
    """The release root cannot be used."""

    kind = "bad-root"


class NodeAlreadyRunning(ServiceError):
    """A node already runs at ``root`` (one node per root); ``pid`` is its pid, if known."""

    kind = "already-running"

    def __init__(self, root: Path, pid: int | None) -> None:
        which = f" (pid {pid})" if pid else ""
        super().__init__(
            f"a node is already running at root {root}{which}",
            hint=f"relup node stop --root {root}",
        )
        self.root = root
        self.pid = pid


class StartError(ServiceError):
    """The node did not come up; ``log_tail`` holds what it logged meanwhile."""

    kind = "start-failed"

    def __init__(self, message: str, *, log_tail: str = "", hint: str | None = None) -> None:
        text = f"{message}\n{log_tail.rstrip()}" if log_tail.strip() else message
        super().__init__(text, hint=hint)
        self.log_tail = log_tail


class StopError(ServiceError):
    """The node did not stop in time."""

    kind = "stop-failed"
