"""Child specifications and the state a supervisor keeps about its children.

Pure data, no processes: :class:`ChildSpec` (OTP's child specification, normalised
by :meth:`ChildSpec.of`), one :class:`Child` per spec (or per simple_one_for_one
child) with its pid, and :class:`SupState`, the supervisor's gen_server state:
strategy, restart intensity and period, children in start order, and the restart
times inside the current period.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field, replace
from typing import Any

from relup.runtime._errors import SupervisorError
from relup.runtime._process import Pid

STRATEGIES = ("one_for_one", "one_for_all", "rest_for_one", "simple_one_for_one")


@dataclass(frozen=True, slots=True)
class ChildSpec:
    """OTP's child specification.

    ``modules`` names the modules the child runs, which the release handler matches
    against the modules an upgrade changes: a tuple of names (``()`` means the start
    module), or ``"dynamic"`` when only the running process knows (it is asked with a
    ``get_modules`` request when the tree is walked; see :mod:`relup.runtime.supervisor`).
    """

    id: Any
    start: tuple[Any, str, tuple[Any, ...]]  # (module, function, args), resolved at start
    restart: str = "permanent"  # permanent | transient | temporary
    shutdown: float | str = 5.0  # seconds | "brutal_kill" | "infinity"
    type: str = "worker"  # worker | supervisor
    modules: tuple[str, ...] | str = field(default=())  # names, or "dynamic"; () = start module

    @classmethod
    def of(cls, spec: ChildSpec | dict[str, Any]) -> ChildSpec:
        s = spec if isinstance(spec, ChildSpec) else cls(**spec)
        m, f, a = s.start
        modules = s.modules
        if modules == ():
            modules = (m if isinstance(m, str) else getattr(m, "__name__", str(m)),)
        elif not isinstance(modules, str):
            modules = tuple(modules)
        if s.restart not in ("permanent", "transient", "temporary"):
            raise SupervisorError(("invalid_restart_type", s.restart))
        return replace(s, start=(m, f, tuple(a)), modules=modules)


class Child:
    """One child as the supervisor tracks it."""

    __slots__ = ("args", "pid", "spec")

    def __init__(self, spec: ChildSpec, pid: Pid | str | None, args: tuple[Any, ...] = ()) -> None:
        self.spec = spec
        self.pid = pid  # a Pid, None (not running) or "restarting"
        self.args = args  # extra start args of a simple_one_for_one child


class SupState:
    """The supervisor's state (a runtime object, not user data): flags and children."""

    __slots__ = (
        "args",
        "children",
        "dynamic",
        "intensity",
        "module",
        "period",
        "restarts",
        "strategy",
    )

    def __init__(self, module: Any, args: Any, flags: dict[str, Any]) -> None:
        self.module = module
        self.args = args
        self.strategy: str = flags.get("strategy", "one_for_one")
        if self.strategy not in STRATEGIES:
            raise SupervisorError(("invalid_strategy", self.strategy))
        self.intensity: int = flags.get("intensity", 1)
        self.period: float = flags.get("period", 5)
        self.children: list[Child] = []  # start order (static strategies)
        self.dynamic: dict[Pid, Child] = {}  # simple_one_for_one children, start order
        self.restarts: deque[float] = deque()

    @property
    def simple(self) -> bool:
        return self.strategy == "simple_one_for_one"

    def find(self, key: Any) -> Child | None:
        if self.simple:
            return self.dynamic.get(key) if isinstance(key, Pid) else None
        for c in self.children:
            if c.spec.id == key or (isinstance(key, Pid) and c.pid is key):
                return c
        return None


def parse_init(r: Any) -> tuple[dict[str, Any], list[ChildSpec]] | None:
    """The user's ``init`` result as (flags, specs); None for ``"ignore"``."""
    if r == "ignore":
        return None
    if isinstance(r, tuple) and len(r) == 2 and r[0] == "ok":
        r = r[1]
    flags, specs = r
    return dict(flags), [ChildSpec.of(s) for s in specs]


def which(st: SupState) -> list[tuple[Any, Any, str, Any]]:
    """``(id, pid | None | "restarting", type, modules)`` per child, in start order."""
    kids = list(st.dynamic.values()) if st.simple else st.children
    return [(None if st.simple else c.spec.id, c.pid, c.spec.type, c.spec.modules) for c in kids]
