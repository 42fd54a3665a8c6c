"""How a gen_server answers system messages (OTP's ``sys`` protocol, spec §5.3).

System messages are :class:`~relup.runtime._process.SystemCall`\\ s; a suspended
server still handles them. Requests and answers:

* ``("suspend",)`` / ``("resume",)``: set / clear the suspend flag; ``"ok"``.
* ``("get_state",)``: the state. ``("get_status",)``: a dict (pid, module, status,
  state, registered name, parent, queue length).
* ``("replace_state", fn)``: the state becomes ``fn(state)``; if ``fn`` raises, the
  state stays and the caller gets :class:`CallError` with the exception as reason.
* ``("change_code", module, old_vsn, extra)``: accepted only while suspended; calls
  the *current* ``code_change(old_vsn, state, extra)`` of the server's own callback
  module (whatever ``module`` says, as OTP's gen_server does). The state is replaced
  only if it returns ``("ok", new_state)``; otherwise the old state stays and the
  caller gets :class:`CodeChangeError`.
* ``("get_modules",)``: the module names the server runs, for a supervisor child
  declared ``modules="dynamic"`` (the release handler asks, spec §5.2). The answer is
  the optional callback ``get_modules(state)`` (an iterable of module names, handles
  or module objects), else the name of the callback module itself. OTP's gen_server
  does not answer this request at all (only gen_event managers do, with their
  handlers), so there a ``dynamic`` gen_server makes the upgrade fail after a timeout;
  relup has no gen_event, and a gen_server that hosts plug-in modules is its
  nearest equivalent, so it answers.
* ``("stop", reason)`` ends the server; the loop handles it (it ends the loop).
* Anything else: :class:`CallError` with reason ``"unknown_system_msg"``.

Like OTP's ``catch``, a failure in ``code_change``, ``replace_state``'s function or
``get_modules`` is reported to the caller and leaves the server running, whatever
it raised (``SystemExit`` and ``KeyboardInterrupt`` included); only the server's own
death (a cancellation while it awaits) passes through.
"""

from __future__ import annotations

from types import CoroutineType
from typing import TYPE_CHECKING, Any

from relup.runtime._calls import reply
from relup.runtime._errors import CallError, CodeChangeError
from relup.runtime.node import maybe_await

if TYPE_CHECKING:
    from relup.runtime._process import Process, SystemCall


def module_name(module: Any) -> str:
    """The name of a module given by name, handle or module object."""
    return module if isinstance(module, str) else str(getattr(module, "__name__", module))


def _fail(msg: SystemCall, error: BaseException) -> None:
    if not msg.fut.done():
        msg.fut.set_exception(error)


async def handle_system(proc: Process, msg: SystemCall) -> None:
    """Answer one system message (any but ``stop``; see the module docstring)."""
    op = msg.request[0]
    if op == "suspend":
        proc.suspended = True
        result: Any = "ok"
    elif op == "resume":
        proc.suspended = False
        result = "ok"
    elif op == "get_state":
        result = proc.state
    elif op == "get_status":
        result = {
            "pid": proc.pid,
            "module": getattr(proc.mod, "__name__", proc.mod),
            "status": "suspended" if proc.suspended else "running",
            "state": proc.state,
            "registered_name": proc.name,
            "parent": proc.parent,
            "message_queue_len": len(proc.mailbox),
        }
    elif op == "replace_state":
        try:
            new = msg.request[1](proc.state)
        except BaseException as e:
            _fail(msg, CallError(msg.dest, msg.request, e))
            return
        proc.state = result = new
    elif op == "change_code":
        if not proc.suspended:
            _fail(msg, CodeChangeError(proc.pid, "not_suspended"))
            return
        ok, result = await _change_code(proc, msg.request[2], msg.request[3])
        if not ok:
            _fail(msg, CodeChangeError(proc.pid, result))
            return
        proc.state = result
        result = "ok"
    elif op == "get_modules":
        try:
            result = get_modules(proc)
        except BaseException as e:
            _fail(msg, CallError(msg.dest, msg.request, e))
            return
    else:
        _fail(msg, CallError(msg.dest, msg.request, "unknown_system_msg"))
        return
    reply(msg, result)


def get_modules(proc: Process) -> tuple[str, ...]:
    """The server's answer to ``get_modules``: its callback, or its callback module."""
    fn = getattr(proc.mod, "get_modules", None)
    if fn is None:
        return (module_name(proc.mod),)
    return tuple(module_name(m) for m in fn(proc.state))


def _code_change_result(r: Any) -> tuple[bool, Any]:
    if r.__class__ is tuple and len(r) == 2 and r[0] == "ok":
        return True, r[1]
    if r.__class__ is tuple and len(r) == 2 and r[0] == "error":
        return False, r[1]
    return False, ("bad_return_value", r)


async def _change_code(proc: Process, old_vsn: Any, extra: Any) -> tuple[bool, Any]:
    """The message form: ``code_change`` may be async (the server waits for it)."""
    fn = getattr(proc.mod, "code_change", None)
    if fn is None:
        return True, proc.state
    try:
        r = fn(old_vsn, proc.state, extra)
        aw = maybe_await(r)
        if aw is not None:
            r = await aw
    except BaseException as e:
        if not proc.alive:
            raise
        return False, e
    return _code_change_result(r)


def compute_code_change(proc: Process, old_vsn: Any, extra: Any) -> tuple[bool, Any]:
    """Call the current ``code_change``; (True, new_state) or (False, reason). Commits nothing.

    The direct form, for the release handler running on the node's loop: it must be
    synchronous (an async ``code_change`` is a failed change here).
    """
    fn = getattr(proc.mod, "code_change", None)
    if fn is None:
        return True, proc.state
    try:
        r = fn(old_vsn, proc.state, extra)
    except BaseException as e:
        return False, e
    return direct_result(r)


def direct_result(r: Any) -> tuple[bool, Any]:
    """What a synchronous ``code_change`` call returned, as (ok, new state or reason)."""
    if r.__class__ is CoroutineType:
        r.close()
        return False, "async code_change needs the message-based sys.change_code"
    return _code_change_result(r)
