"""What a module is, read from its source with ``ast``: nothing is imported or run.

``relup check`` and ``relup appup`` must know, for every module whose code changed,
whether processes run it and so how it is replaced under them. Importing the module
would run its top level (and need its dependencies and a node), so the source is
only parsed. Every answer is a heuristic, stated here so that a reader can predict it
(the draft and the findings repeat the evidence they used):

``gen_server``
    The module defines ``init`` and at least one of ``handle_call``, ``handle_cast``,
    ``handle_info`` at its top level (the callbacks :mod:`relup.runtime.gen_server`
    dispatches to).
``supervisor``
    The module defines ``init`` and none of those, and something says that ``init``
    returns child specs. Evidence inside the module: it builds a ``ChildSpec``, or a
    dict with ``"id"`` and ``"start"`` keys, or one with a ``"strategy"`` key, or
    ``init`` returns a pair other than ``("ok", state)``. Evidence elsewhere in the
    release (found by :func:`supervisors_started`): some module passes its name to
    ``supervisor.start_link`` or ``supervisor.start``, or names it as the start module
    of a child spec of type ``"supervisor"``. Either kind of evidence is enough.
``plain``
    Anything else: libraries, an application's start module, a module that does not
    parse (``syntax_error`` says why).

**State shape** (for gen_servers, also a heuristic): ``init_shape`` is what ``init``
returns as its state in ``("ok", state, ...)``: a literal (``{"count": 0}``, a tuple,
a number), or a local name assigned one, with the constant keys of later
``state["k"] = ...`` assignments added. Anything else (a parameter, a call) is
unknown. ``state_keys`` are the constant keys the callbacks use on their state
argument (``state["k"]``, ``state.get("k")``, ``{**state, "k": v}``,
``case {"k": v}``). :func:`state_change` compares two versions with both: a change it
cannot see (the values inside a dict of the same keys, say) is not reported.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Final, Literal, TypeAlias

ModuleKind: TypeAlias = Literal["gen_server", "supervisor", "plain"]

GEN_SERVER_CALLBACKS: Final = ("handle_call", "handle_cast", "handle_info")
#: The callbacks whose state argument is read for ``state_keys``, with its position.
_STATE_ARG: Final = {"handle_call": 2, "handle_cast": 1, "handle_info": 1, "terminate": 1}
_SUPERVISOR_STARTS: Final = ("start_link", "start")


@dataclass(frozen=True, slots=True)
class StateShape:
    """The shape of a gen_server's state as ``init`` builds it.

    ``kind`` is a Python type name (``dict``, ``tuple``, ``list``, ``int``, ...);
    ``keys`` a dict's constant keys (None when some key is not a constant);
    ``size`` a tuple's length.
    """

    kind: str
    keys: frozenset[str] | None = None
    size: int | None = None

    def describe(self) -> str:
        if self.kind == "dict" and self.keys is not None:
            return f"a dict with keys {', '.join(sorted(self.keys))}" if self.keys else "{}"
        if self.kind == "tuple" and self.size is not None:
            return f"a {self.size}-tuple"
        return f"a {self.kind}"


@dataclass(frozen=True, slots=True)
class SupervisorStart:
    """``supervisor.start_link("module", ..., name="registered")`` seen in some module."""

    module: str
    name: str | None

    def target(self, starter: str) -> str:
        """The supervisor module started, seen from module `starter` (``__name__``: itself)."""
        return starter if self.module == "__name__" else self.module


@dataclass(frozen=True, slots=True)
class ModuleFacts:
    """What one module's source says, before the rest of the release is known."""

    functions: frozenset[str] = frozenset()
    imports: frozenset[str] = frozenset()
    init_shape: StateShape | None = None
    state_keys: frozenset[str] = frozenset()
    #: Why its own source suggests a supervisor (empty: nothing does).
    supervisor_evidence: tuple[str, ...] = ()
    #: Supervisors this module starts with supervisor.start_link/start.
    starts_supervisors: tuple[SupervisorStart, ...] = ()
    #: Start modules of the child specs of type "supervisor" it builds.
    supervisor_children: tuple[str, ...] = ()
    #: The constant ids of the child specs ``init`` builds (None: some id is not constant).
    child_ids: tuple[str, ...] | None = ()
    #: The supervisor flags' constant "strategy", if any.
    strategy: str | None = None
    syntax_error: str | None = None

    @property
    def has_code_change(self) -> bool:
        return "code_change" in self.functions

    @property
    def is_gen_server(self) -> bool:
        return "init" in self.functions and any(c in self.functions for c in GEN_SERVER_CALLBACKS)


@dataclass(frozen=True, slots=True)
class ModuleInfo:
    """A module classified within its release: its kind and the evidence for it."""

    name: str
    kind: ModuleKind
    facts: ModuleFacts
    evidence: tuple[str, ...] = ()
    #: The name a supervisor registers under (from ``start_link(..., name=...)``), if seen.
    registered_as: str | None = None

    @property
    def has_code_change(self) -> bool:
        return self.facts.has_code_change


@dataclass(frozen=True, slots=True)
class StateChange:
    """Why a gen_server's state looks different between two versions (a heuristic)."""

    basis: str  # "init" or "keys"
    old: str
    new: str

    def describe(self) -> str:
        what = "init's state" if self.basis == "init" else "the state keys its callbacks use"
        return f"{what}: {self.old} -> {self.new}"


# ----------------------------------------------------------------------------- reading


def scan_module(source: str | bytes, filename: str = "<module>") -> ModuleFacts:
    """The facts of one module's source; a source that does not parse has none but the error."""
    try:
        tree = ast.parse(source, filename)
    except (SyntaxError, ValueError) as e:
        line = getattr(e, "lineno", None)
        where = f" (line {line})" if line else ""
        return ModuleFacts(syntax_error=f"{getattr(e, 'msg', None) or e}{where}")
    defs = dict(_top_level_defs(tree.body))
    functions = frozenset(defs) | _top_level_assigned(tree.body)
    init = defs.get("init")
    specs = list(_child_specs(init)) if init is not None else []
    ids = [_const_str(spec.get("id")) for spec in specs]
    strategy = _dict_value(init, "strategy") if init is not None else None
    return ModuleFacts(
        functions=functions,
        imports=frozenset(_imports(tree)),
        init_shape=_init_shape(init) if init is not None else None,
        state_keys=frozenset(_callback_state_keys(defs)),
        supervisor_evidence=tuple(_supervisor_evidence(tree, init)),
        starts_supervisors=tuple(_supervisor_starts(tree)),
        supervisor_children=tuple(_supervisor_children(tree)),
        child_ids=None if None in ids else tuple(i for i in ids if i is not None),
        strategy=strategy,
    )


def supervisors_started(facts: Mapping[str, ModuleFacts]) -> dict[str, list[str]]:
    """Module -> evidence, from every module of a release, that something starts it as a
    supervisor (``supervisor.start_link("it", ...)``, or a child spec of type supervisor)."""
    found: dict[str, list[str]] = {}
    for name, f in facts.items():
        for start in f.starts_supervisors:
            found.setdefault(start.target(name), []).append(
                f"{name} starts it with supervisor.start_link"
            )
        for child in f.supervisor_children:
            found.setdefault(child, []).append(f"{name} supervises it as a supervisor child")
    return found


def registered_supervisors(facts: Mapping[str, ModuleFacts]) -> dict[str, str]:
    """Supervisor module -> the name it is registered under, where a start says so."""
    names: dict[str, str] = {}
    for name, f in facts.items():
        for start in f.starts_supervisors:
            if start.name is not None:
                names.setdefault(start.target(name), start.name)
    return names


def classify(
    name: str, facts: ModuleFacts, started: Mapping[str, list[str]], registered: Mapping[str, str]
) -> ModuleInfo:
    """`name`'s kind, given its facts and what the rest of the release says about it."""
    if facts.syntax_error is not None:
        return ModuleInfo(
            name, "plain", facts, (f"its source does not parse: {facts.syntax_error}",)
        )
    if facts.is_gen_server:
        present = [c for c in ("init", *GEN_SERVER_CALLBACKS) if c in facts.functions]
        return ModuleInfo(name, "gen_server", facts, (f"defines {', '.join(present)}",))
    evidence = [*facts.supervisor_evidence, *started.get(name, ())]
    if "init" in facts.functions and evidence:
        return ModuleInfo(name, "supervisor", facts, tuple(evidence), registered.get(name))
    return ModuleInfo(name, "plain", facts, ("no gen_server callbacks, no child specs",))


def state_change(old: ModuleFacts, new: ModuleFacts) -> StateChange | None:
    """How the state looks different between two versions of a gen_server, if it does.

    First ``init``'s state shapes, when both are known; then the keys known on each
    side (``init``'s dict keys and the keys the callbacks use), when both sides know
    some. None when neither comparison shows a difference (or can be made).
    """
    if old.init_shape is not None and new.init_shape is not None:
        if old.init_shape != new.init_shape:
            return StateChange("init", old.init_shape.describe(), new.init_shape.describe())
        if old.init_shape.kind != "dict":
            return None
    old_keys, new_keys = _known_keys(old), _known_keys(new)
    if old_keys and new_keys and old_keys != new_keys:
        return StateChange("keys", ", ".join(sorted(old_keys)), ", ".join(sorted(new_keys)))
    return None


def _known_keys(facts: ModuleFacts) -> frozenset[str]:
    shape = facts.init_shape
    init_keys = shape.keys if shape is not None and shape.keys is not None else frozenset()
    return init_keys | facts.state_keys


# ------------------------------------------------------------------------ ast helpers

_Def: TypeAlias = ast.FunctionDef | ast.AsyncFunctionDef


def _top_level_defs(body: Iterable[ast.stmt]) -> Iterator[tuple[str, _Def]]:
    """Functions defined at module level, also inside top-level if/try/with blocks."""
    for stmt in body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            yield stmt.name, stmt
        elif isinstance(stmt, ast.If):
            yield from _top_level_defs(stmt.body)
            yield from _top_level_defs(stmt.orelse)
        elif isinstance(stmt, ast.Try):
            for block in (stmt.body, stmt.orelse, stmt.finalbody):
                yield from _top_level_defs(block)
            for handler in stmt.handlers:
                yield from _top_level_defs(handler.body)
        elif isinstance(stmt, ast.With):
            yield from _top_level_defs(stmt.body)


def _top_level_assigned(body: Iterable[ast.stmt]) -> frozenset[str]:
    """Names bound at module level by assignment (``code_change = _convert``)."""
    names: set[str] = set()
    for stmt in body:
        targets = stmt.targets if isinstance(stmt, ast.Assign) else []
        names.update(t.id for t in targets if isinstance(t, ast.Name))
    return frozenset(names)


def _own_nodes(fn: _Def) -> Iterator[ast.AST]:
    """Every node of `fn`'s body, not descending into nested functions, lambdas or classes."""
    stack: list[ast.AST] = list(fn.body)
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if not isinstance(
                child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef
            ):
                stack.append(child)


def _const_str(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _dict_keys(node: ast.Dict) -> frozenset[str] | None:
    keys = [_const_str(k) for k in node.keys]
    return None if None in keys else frozenset(k for k in keys if k is not None)


def _dict_items(node: ast.Dict) -> dict[str, ast.expr]:
    items: dict[str, ast.expr] = {}
    for key, value in zip(node.keys, node.values, strict=True):
        name = _const_str(key)
        if name is not None:
            items[name] = value
    return items


def _imports(tree: ast.Module) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.split(".")[0]


def _ok_state(ret: ast.Return) -> ast.expr | None:
    """The state of ``return ("ok", state, ...)``; None for any other return."""
    value = ret.value
    if isinstance(value, ast.Tuple) and len(value.elts) >= 2 and _const_str(value.elts[0]) == "ok":
        return value.elts[1]
    return None


def _init_shape(init: _Def) -> StateShape | None:
    assigned: dict[str, list[ast.expr]] = {}
    subscript_keys: dict[str, set[str]] = {}
    for node in _own_nodes(init):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    assigned.setdefault(target.id, []).append(node.value)
                elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
                    key = _const_str(target.slice)
                    if key is not None:
                        subscript_keys.setdefault(target.value.id, set()).add(key)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
            assigned.setdefault(node.target.id, []).append(node.value)
    shapes = {
        _shape(state, assigned, subscript_keys, depth=3)
        for node in _own_nodes(init)
        if isinstance(node, ast.Return) and (state := _ok_state(node)) is not None
    }
    return shapes.pop() if len(shapes) == 1 else None


_CONSTANT_KINDS: Final = {
    bool: "bool",
    int: "int",
    float: "float",
    str: "str",
    bytes: "bytes",
    type(None): "None",
}


def _shape(
    node: ast.expr,
    assigned: Mapping[str, list[ast.expr]],
    subscript_keys: Mapping[str, set[str]],
    depth: int,
) -> StateShape | None:
    if isinstance(node, ast.Dict):
        return StateShape("dict", _dict_keys(node))
    if isinstance(node, ast.DictComp):
        return StateShape("dict")
    if isinstance(node, ast.Tuple):
        starred = any(isinstance(e, ast.Starred) for e in node.elts)
        return StateShape("tuple", size=None if starred else len(node.elts))
    if isinstance(node, ast.List | ast.ListComp):
        return StateShape("list")
    if isinstance(node, ast.Set | ast.SetComp):
        return StateShape("set")
    if isinstance(node, ast.Constant):
        kind = _CONSTANT_KINDS.get(type(node.value))
        return StateShape(kind) if kind else None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict":
        if node.args:
            return StateShape("dict")
        names = [k.arg for k in node.keywords]
        return StateShape("dict", None if None in names else frozenset(n for n in names if n))
    if isinstance(node, ast.Name) and depth > 0:
        values = assigned.get(node.id, [])
        if len(values) != 1:
            return None
        shape = _shape(values[0], assigned, subscript_keys, depth - 1)
        extra = subscript_keys.get(node.id)
        if shape is not None and shape.kind == "dict" and shape.keys is not None and extra:
            return StateShape("dict", shape.keys | extra)
        return shape
    return None


def _callback_state_keys(defs: Mapping[str, _Def]) -> set[str]:
    keys: set[str] = set()
    for callback, position in _STATE_ARG.items():
        fn = defs.get(callback)
        if fn is None or len(fn.args.args) <= position:
            continue
        state = fn.args.args[position].arg
        for node in _own_nodes(fn):
            keys.update(_keys_used_on(node, state))
    return keys


def _is_name(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def _keys_used_on(node: ast.AST, state: str) -> Iterator[str]:
    if isinstance(node, ast.Subscript) and _is_name(node.value, state):
        key = _const_str(node.slice)
        if key is not None:
            yield key
    elif (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and _is_name(node.func.value, state)
        and node.func.attr in ("get", "pop", "setdefault")
        and node.args
    ):
        key = _const_str(node.args[0])
        if key is not None:
            yield key
    elif isinstance(node, ast.Dict) and any(
        k is None and _is_name(v, state) for k, v in zip(node.keys, node.values, strict=True)
    ):
        yield from _dict_items(node)
    elif isinstance(node, ast.MatchMapping):
        yield from (k for k in map(_const_str, node.keys) if k is not None)


def _child_specs(init: _Def) -> Iterator[dict[str, ast.expr]]:
    """The child specs `init` builds: dicts with "id" and "start", and ChildSpec(...) calls."""
    for node in _own_nodes(init):
        if isinstance(node, ast.Dict):
            items = _dict_items(node)
            if "id" in items and "start" in items:
                yield items
        elif isinstance(node, ast.Call) and _called_name(node) == "ChildSpec":
            yield _child_spec_args(node)


def _child_spec_args(call: ast.Call) -> dict[str, ast.expr]:
    """The fields a ``ChildSpec(...)`` call gives, by name (positional ones in field order)."""
    fields = ("id", "start", "restart", "shutdown", "type", "modules")
    items = dict(zip(fields, call.args, strict=False))
    items.update({k.arg: k.value for k in call.keywords if k.arg})
    return items


def _dict_value(init: _Def, key: str) -> str | None:
    for node in _own_nodes(init):
        if isinstance(node, ast.Dict):
            value = _const_str(_dict_items(node).get(key))
            if value is not None:
                return value
    return None


def _called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def _supervisor_evidence(tree: ast.Module, init: _Def | None) -> Iterator[str]:
    if init is None:
        return
    seen: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _called_name(node) == "ChildSpec":
            seen.add("it builds ChildSpecs")
        elif isinstance(node, ast.Dict):
            items = _dict_items(node)
            if "id" in items and "start" in items:
                seen.add('it builds child spec dicts ("id", "start")')
            if "strategy" in items:
                seen.add('it builds supervisor flags ("strategy")')
    for node in _own_nodes(init):
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple):
            elts = node.value.elts
            first = _const_str(elts[0]) if elts else None
            if len(elts) == 2 and first is None:
                seen.add("init returns a (flags, child specs) pair")
            elif len(elts) == 2 and first == "ok" and isinstance(elts[1], ast.Tuple):
                seen.add('init returns ("ok", (flags, child specs))')
    yield from sorted(seen)


def _supervisor_starts(tree: ast.Module) -> Iterator[SupervisorStart]:
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and _is_name(node.func.value, "supervisor")
            and node.func.attr in _SUPERVISOR_STARTS
            and node.args
        ):
            first = node.args[0]
            module = "__name__" if _is_name(first, "__name__") else _const_str(first)
            if module is None:
                continue
            name = next((_const_str(k.value) for k in node.keywords if k.arg == "name"), None)
            yield SupervisorStart(module, name)


def _supervisor_children(tree: ast.Module) -> Iterator[str]:
    for node in ast.walk(tree):
        items: dict[str, ast.expr] = {}
        if isinstance(node, ast.Dict):
            items = _dict_items(node)
        elif isinstance(node, ast.Call) and _called_name(node) == "ChildSpec":
            items = _child_spec_args(node)
        start = items.get("start")
        if _const_str(items.get("type")) == "supervisor" and isinstance(start, ast.Tuple):
            module = _const_str(start.elts[0]) if start.elts else None
            if module is not None:
                yield module
