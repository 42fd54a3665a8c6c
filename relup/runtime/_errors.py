"""The runtime's exceptions.

Every refusal of the node derives from :class:`relup.errors.RelupError` through
:class:`NodeError`. :class:`TermMappingError` is about values, not the node: the
runtime never raises it, :mod:`relup.release.term_mapping` does, but it stays here so
that ``relup.runtime.TermMappingError`` keeps working. :class:`Exit` is not an error
but the signal a process raises to end itself with a reason (Erlang's
``exit(Reason)``), so it derives from ``BaseException`` and an ``except Exception``
in application code does not swallow it::

    RelupError
    ├── NodeError
    │   ├── NoProc               no process by that name, or it is dead
    │   ├── NameTaken            register() of a name (or pid) already registered
    │   ├── ReceiveTimeout       receive(timeout=...) saw no matching message (also a TimeoutError)
    │   ├── CallError            a call failed: .reason is "noproc", "timeout" or the exit reason
    │   │   └── CallTimeout      ... because the timeout passed (also a TimeoutError)
    │   ├── StartError           init failed, returned ("stop", R), or the name is taken: .reason
    │   ├── CodeChangeError      code_change refused or crashed; the old state stays: .reason
    │   ├── SuspendedSupervisor  a supervisor in the tree walked for an upgrade is suspended
    │   ├── GetModulesFailed     a "dynamic" worker did not answer get_modules in time: .pid
    │   ├── SupervisorError      start_child/restart_child/... refused: .reason
    │   ├── ApplicationError     application start/stop refused: .app, .reason
    │   └── CodeError            code server refusals: .module
    │       ├── LoadError        a module version failed to execute: .path; __cause__ is the error
    │       ├── NotPurged        old code exists and the operation would need to drop it
    │       ├── NotLoaded        no current version to act on
    │       └── OldProcesses     soft purge refused: .pids still run the old code
    └── TermMappingError         a value with no counterpart across the term mapping: .value
    BaseException
    └── Exit                     raised by process.exit(reason): ends the process with .reason
"""

from __future__ import annotations

from typing import Any

from relup.errors import RelupError


class NodeError(RelupError):
    """Base class of the runtime's refusals."""


class NoProc(NodeError):
    """The destination is not a live process (an unregistered name or a dead pid)."""

    def __init__(self, dest: Any) -> None:
        super().__init__(f"no process {dest!r}")
        self.dest = dest


class NameTaken(NodeError):
    """A name may name one process, and a process may have one name."""

    def __init__(self, name: str, holder: Any) -> None:
        super().__init__(f"cannot register {name!r}: already taken by {holder!r}")
        self.name = name
        self.holder = holder


class ReceiveTimeout(NodeError, TimeoutError):
    """No matching message arrived in time; the unmatched messages stay queued."""

    def __init__(self, timeout: float) -> None:
        super().__init__(f"no matching message within {timeout}s")
        self.timeout = timeout


class CallError(NodeError):
    """A gen_server call did not get a reply.

    ``reason`` is ``"noproc"`` (unknown name or dead server), ``"timeout"``, ``"calling_self"``,
    or the reason the server exited with while the call was pending.
    """

    def __init__(self, dest: Any, request: Any, reason: Any) -> None:
        super().__init__(f"call to {dest!r} with {request!r} failed: {reason!r}")
        self.dest = dest
        self.request = request
        self.reason = reason


class CallTimeout(CallError, TimeoutError):
    """The server did not reply within the call's timeout (it may still be running)."""

    def __init__(self, dest: Any, request: Any) -> None:
        super().__init__(dest, request, "timeout")


class StartError(NodeError):
    """A process could not be started; ``reason`` is OTP's error term."""

    def __init__(self, reason: Any) -> None:
        super().__init__(f"start failed: {reason!r}")
        self.reason = reason


class CodeChangeError(NodeError):
    """code_change did not return ("ok", new_state); the process keeps its old state."""

    def __init__(self, pid: Any, reason: Any) -> None:
        super().__init__(f"code_change of {pid!r} failed: {reason!r}")
        self.pid = pid
        self.reason = reason


class SuspendedSupervisor(NodeError):
    """A supervisor was found suspended while walking the supervision trees."""

    def __init__(self, pid: Any) -> None:
        super().__init__(f"supervisor {pid!r} is suspended")
        self.pid = pid


class GetModulesFailed(NodeError):
    """A worker with ``modules="dynamic"`` did not answer ``get_modules`` in time.

    OTP's ``get_modules_failed``: the release handler cannot tell which modules the
    process runs, so the instruction that walked the tree fails.
    """

    def __init__(self, pid: Any, child_id: Any = None) -> None:
        super().__init__(f"get_modules_failed: {pid!r} (child {child_id!r}) did not answer")
        self.pid = pid
        self.child_id = child_id
        self.reason = "get_modules_failed"


class SupervisorError(NodeError):
    """A supervisor refused an operation; ``reason`` is OTP's term (``"not_found"``, ...)."""

    def __init__(self, reason: Any) -> None:
        super().__init__(f"supervisor refused: {reason!r}")
        self.reason = reason


class ApplicationError(NodeError):
    """An application could not be loaded, started or stopped."""

    def __init__(self, app: str, reason: Any) -> None:
        super().__init__(f"application {app!r}: {reason!r}")
        self.app = app
        self.reason = reason


class CodeError(NodeError):
    """Base class of the code server's refusals."""

    def __init__(self, message: str, *, module: str) -> None:
        super().__init__(message)
        self.module = module


class LoadError(CodeError):
    """Executing a module version failed; nothing was made current."""

    def __init__(self, module: str, path: str, cause: BaseException) -> None:
        super().__init__(f"cannot load {module!r} from {path}: {cause!r}", module=module)
        self.path = path


class NotPurged(CodeError):
    """Old code exists; purge it first (OTP's ``{error, not_purged}``)."""

    def __init__(self, module: str) -> None:
        super().__init__(f"module {module!r} has old code that is not purged", module=module)


class NotLoaded(CodeError):
    """The module has no current version."""

    def __init__(self, module: str) -> None:
        super().__init__(f"module {module!r} is not loaded", module=module)


class OldProcesses(CodeError):
    """A soft purge refused: these processes still run (or hold) the old code."""

    def __init__(self, module: str, pids: list[Any]) -> None:
        super().__init__(f"processes still run old {module!r}: {pids!r}", module=module)
        self.pids = pids


class TermMappingError(RelupError):
    """A value with no counterpart on the other side of :mod:`relup.release.term_mapping`.

    ``value`` is the offending Python value or Erlang term; the message names its type.
    """

    def __init__(self, message: str, value: Any) -> None:
        super().__init__(message)
        self.value = value


class Exit(BaseException):
    """Raised by :func:`relup.runtime.process.exit`: ends the process with ``reason``."""

    def __init__(self, reason: Any) -> None:
        super().__init__(reason)
        self.reason = reason
