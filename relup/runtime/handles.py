"""Module versions, the stable handle per module, and "process P runs version V".

A *version* is a fresh module object made from one source file; its functions carry
that object's globals, so a name used inside the version (``loop(n)``) resolves in
the version itself: Erlang's local call. The *handle* is what ``import counter``
binds: a module object registered in ``sys.modules`` whose ``__dict__`` is refreshed
from the current version each time one is made current, so ``counter.loop`` is a
plain dict lookup that always finds the current version: Erlang's fully qualified
call. Consequences worth knowing:

* ``from counter import loop`` copies one version's function: it behaves as a local
  call and never moves to newer code.
* Assigning through the handle (``counter.x = 1``) changes the handle's copy, not the
  version's globals, and is lost at the next load. Keep state in processes.
* Names a version adds to its own globals after loading are still found (the handle
  falls back to the current version's attributes), but rebinding an existing name
  at run time is not seen through the handle. Treat module globals as constants.

**What "process P runs version V" means** (:func:`runs_version`), the Python form of
Erlang's ``check_process_code``. P runs V if either

1. *the stack*: a frame of P's task, walking the coroutine chain from the task's
   coroutine through ``cr_await`` (and ``gi_yieldfrom``/``ag_await``), has
   ``f_globals is V.namespace``; a raw process parked in ``receive`` inside v1's
   ``loop`` runs v1; a gen_server between messages has only framework frames and
   runs no version at all; or
2. *held code*: P's gen_server state (or its callback module object, if it is a
   version module rather than a handle) holds, at any depth of dicts, lists, tuples,
   sets, instance ``__dict__``\\s, partials and bound methods, a function whose
   ``__globals__`` is V's namespace, a class defined at the top level of V, or an
   instance of such a class. Calling any of those would run V's code.

3. *the pending start*: a process spawned but not yet started will call its initial
   function, so it runs that function's version (``spawn_mfa`` resolves the function
   through the handle at spawn time).

Module objects (handles included) and the runtime's own objects (pids, processes,
sockets, futures) are not walked into.
"""

from __future__ import annotations

import contextlib
import functools
import types
from collections import deque
from typing import TYPE_CHECKING, Any, final

if TYPE_CHECKING:
    from collections.abc import Iterator

    from relup.runtime._process import Process

_SCALARS: frozenset[type] = frozenset(
    {str, bytes, int, float, bool, complex, type(None), bytearray, range}
)
_MAX_DEPTH = 32
_OPAQUE = ("relup.runtime", "asyncio", "_asyncio")


@final
class ModuleVersion:
    """One loaded version of a module: a fresh module object and its own globals."""

    __slots__ = ("classes", "module", "name", "namespace", "path", "vsn")

    def __init__(self, name: str, path: str, module: types.ModuleType, vsn: Any) -> None:
        self.name = name
        self.path = path
        self.module = module
        self.namespace: dict[str, Any] = module.__dict__
        self.vsn = vsn
        self.classes: frozenset[type] = frozenset(
            v
            for v in self.namespace.values()
            if isinstance(v, type) and getattr(v, "__module__", None) == name
        )

    def __repr__(self) -> str:
        return f"<ModuleVersion {self.name} vsn={self.vsn!r} from {self.path}>"


class ModuleHandle(types.ModuleType):
    """The stable object ``import name`` binds; attribute reads reach the current version."""

    def __getattr__(self, attr: str) -> Any:
        version = self.__dict__.get("__relup_current__")
        if version is None:
            raise AttributeError(f"module {self.__name__!r} has no current version")
        try:
            return getattr(version.module, attr)
        except AttributeError:
            raise AttributeError(
                f"module {self.__name__!r} (vsn {version.vsn!r}) has no attribute {attr!r}"
            ) from None


def refresh(handle: ModuleHandle, name: str, version: ModuleVersion | None) -> None:
    """Make ``handle`` show ``version`` (or nothing)."""
    d = handle.__dict__
    d.clear()
    if version is None:
        d["__name__"] = name
        d["__doc__"] = None
        return
    d.update(version.namespace)
    d["__relup_current__"] = version


def stack_globals(proc: Process) -> Iterator[dict[str, Any]]:
    """The ``f_globals`` of every frame on ``proc``'s parked coroutine chain."""
    task = proc.task
    if task is None or task.done():
        return
    obj: Any = task.get_coro()
    while obj is not None:
        frame = getattr(obj, "cr_frame", None) or getattr(obj, "gi_frame", None)
        frame = frame or getattr(obj, "ag_frame", None)
        if frame is not None:
            yield frame.f_globals
        nxt = getattr(obj, "cr_await", None)
        if nxt is None:
            nxt = getattr(obj, "gi_yieldfrom", None)
        if nxt is None:
            nxt = getattr(obj, "ag_await", None)
        obj = nxt


def _class_of_version(cls: type, version: ModuleVersion) -> bool:
    if cls in version.classes:
        return True
    g = version.namespace
    return any(type(f) is types.FunctionType and f.__globals__ is g for f in vars(cls).values())


def holds_version(obj: Any, version: ModuleVersion) -> bool:
    """True if ``obj`` holds code of ``version`` (see the module docstring, rule 2)."""
    seen: set[int] = set()
    g = version.namespace
    stack: list[tuple[Any, int]] = [(obj, 0)]
    while stack:
        o, depth = stack.pop()
        t = type(o)
        if t in _SCALARS or depth > _MAX_DEPTH or isinstance(o, types.ModuleType):
            continue
        if t.__module__.startswith(_OPAQUE):  # pids, sockets, futures: not user code
            continue
        if id(o) in seen:
            continue
        seen.add(id(o))
        d = depth + 1
        if t is dict:
            stack.extend((k, d) for k in o)
            stack.extend((v, d) for v in o.values())
        elif t in (list, tuple, set, frozenset, deque):
            stack.extend((v, d) for v in o)
        elif t is types.FunctionType:
            if o.__globals__ is g:
                return True
            for cell in o.__closure__ or ():
                with contextlib.suppress(ValueError):  # an empty cell
                    stack.append((cell.cell_contents, d))
        elif t is types.MethodType:
            stack.append((o.__func__, d))
            stack.append((o.__self__, d))
        elif t is functools.partial:
            stack.append((o.func, d))
            stack.extend((a, d) for a in o.args)
            stack.extend((v, d) for v in o.keywords.values())
        elif isinstance(o, type):
            if _class_of_version(o, version):
                return True
        else:
            if _class_of_version(t, version):
                return True
            inner = getattr(o, "__dict__", None)
            if type(inner) is dict:
                stack.append((inner, d))
            for slot in getattr(t, "__slots__", ()):
                if isinstance(slot, str) and hasattr(o, slot):
                    stack.append((getattr(o, slot), d))
    return False


def runs_version(proc: Process, version: ModuleVersion) -> bool:
    """Erlang's ``check_process_code``: does ``proc`` run or hold ``version``?"""
    if not proc.alive:
        return False
    g = version.namespace
    if any(frame_globals is g for frame_globals in stack_globals(proc)):
        return True
    if proc.mod is version.module:
        return True
    if proc.pending is not None and holds_version(proc.pending, version):
        return True
    return proc.mod is not None and holds_version(proc.state, version)
