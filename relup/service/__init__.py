"""The node as an OS process: one per release root, reachable through the control channel.

Inside the node (:mod:`relup.service.daemon`): :class:`NodeService` runs the lock,
pid file, log, boot hook and control server; :func:`reexec` re-executes the node in
place. From outside (:mod:`relup.service.launcher`, what ``relup node`` calls):
:func:`start`, :func:`stop`, :func:`status`, :func:`ping`. Files under the root are
described in :mod:`relup.service.layout`.
"""

from relup.service.daemon import (
    BootHook,
    NodeService,
    current_service,
    default_boot,
    reexec,
)
from relup.service.errors import (
    NodeAlreadyRunning,
    RootError,
    ServiceError,
    StartError,
    StopError,
)
from relup.service.launcher import ping, start, status, stop
from relup.service.layout import Layout

__all__ = [
    "BootHook",
    "Layout",
    "NodeAlreadyRunning",
    "NodeService",
    "RootError",
    "ServiceError",
    "StartError",
    "StopError",
    "current_service",
    "default_boot",
    "ping",
    "reexec",
    "start",
    "status",
    "stop",
]
