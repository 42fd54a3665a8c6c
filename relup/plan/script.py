"""From appup scripts (terms) to one checked, typed script (OTP's ``systools_rc`` front half).

Rules, in the order they run (spec §1.3, §1.5, §3.3 steps 1-6):

1. **Expand** each script: shorthands get their defaults (stage E). An element that
   is itself a list is spliced in as it is, without expansion.
2. **Merge**: each script is split at its ``point_of_no_return`` (none: everything
   is after it); at most one per script; only ``load_object_code`` and ``apply``
   may come before it; a ``load_object_code`` written after it moves to the end of
   the part before. All parts before, then one ``point_of_no_return``, then all
   parts after.
3. **Syntax check** every instruction, field by field, in the order OTP checks them;
   the first failure is the error.
4. **Normalize** update and add/delete_module to their full forms (stage N) and
   give every instruction its type.
5. **Pairing checks** on hand-written low-level instructions: every ``load`` needs a
   ``load_object_code``, every ``suspend`` a ``resume`` (and back), every ``stop`` a
   ``start`` (and back).

Error terms carry the instruction in the form it has at the stage that refuses
it, exactly as OTP reports it: that is why steps 1-3 work on terms.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from relup.plan import instructions as ins
from relup.plan import reasons as r
from relup.plan.reasons import PlanError
from relup.terms import Atom, Term, as_string, format_term, is_list

DEPENDENT = frozenset({"update", "load_module", "add_module", "delete_module"})
_BRUTAL = Atom("brutal_purge")
_PONR = Atom("point_of_no_return")


def _tag(term: Term) -> str | None:
    if isinstance(term, tuple) and term and isinstance(term[0], Atom):
        return term[0].name
    return None


def _elements(term: Term) -> list[Term]:
    if isinstance(term, str):
        return [ord(c) for c in term]
    if isinstance(term, list):
        return term
    return []


# --- 1. expand ---------------------------------------------------------------------------


def expand_one(term: Term) -> Term:
    """Stage E: one appup instruction with its defaults filled in."""
    tag, n = _tag(term), len(term) if isinstance(term, tuple) else 0
    if not isinstance(term, tuple):
        return term
    if tag == "load_module":
        if n == 2:
            return (term[0], term[1], _BRUTAL, _BRUTAL, [])
        if n == 3 and is_list(term[2]):
            return (term[0], term[1], _BRUTAL, _BRUTAL, term[2])
    elif tag == "update":
        if n == 2:
            return (term[0], term[1], Atom("soft"), _BRUTAL, _BRUTAL, [])
        if n == 3:
            change = term[2]
            if change == Atom("supervisor"):
                return (
                    term[0], term[1], Atom("static"), Atom("default"),
                    (Atom("advanced"), []), _BRUTAL, _BRUTAL, [],
                )  # fmt: skip
            if isinstance(change, tuple) or change == Atom("soft"):
                return (term[0], term[1], change, _BRUTAL, _BRUTAL, [])
            if is_list(change):
                return (term[0], term[1], Atom("soft"), _BRUTAL, _BRUTAL, change)
        if n == 4 and is_list(term[3]):
            change = term[2]
            if isinstance(change, tuple) or change == Atom("soft"):
                return (term[0], term[1], change, _BRUTAL, _BRUTAL, term[3])
    elif tag == "add_application" and n == 2:
        return (term[0], term[1], Atom("permanent"))
    return term


def expand(script: Term) -> list[Term]:
    """Stage E over a whole appup script."""
    if not is_list(script):
        raise PlanError(r.BadList(script))
    out: list[Term] = []
    for element in _elements(script):
        if is_list(element):
            out.extend(_elements(element))
        else:
            out.append(expand_one(element))
    return out


# --- 2. merge ----------------------------------------------------------------------------


def _split_at_ponr(script: list[Term]) -> tuple[list[Term], list[Term]]:
    for i, term in enumerate(script):
        if term == _PONR:
            if _PONR in script[i + 1 :]:
                raise PlanError(r.TooManyPointOfNoReturn())
            return script[:i], script[i + 1 :]
    return [], script


def merge(scripts: Sequence[list[Term]]) -> list[Term]:
    """All scripts as one: every part before its PONR first, then every part after."""
    before: list[Term] = []
    after: list[Term] = []
    for script in scripts:
        b, a = _split_at_ponr(script)
        for term in b:
            if _tag(term) not in ("load_object_code", "apply") or len(term) != 2:  # type: ignore[arg-type]
                raise PlanError(r.BadOpBeforePointOfNoReturn(term))
        hoisted = [t for t in a if _tag(t) == "load_object_code" and len(t) == 2]  # type: ignore[arg-type]
        rest = [t for t in a if not (_tag(t) == "load_object_code" and len(t) == 2)]  # type: ignore[arg-type]
        before += b + hoisted
        after += rest
    return [*before, _PONR, *after]


# --- 3. syntax check ---------------------------------------------------------------------


def _mod(x: Term) -> str:
    if not isinstance(x, Atom):
        raise PlanError(r.BadModule(x))
    return x.name


def _mods(x: Term) -> tuple[str, ...]:
    if not is_list(x):
        raise PlanError(r.BadList(x))
    return tuple(_mod(m) for m in _elements(x))


def _purge(x: Term) -> ins.PurgeMethod:
    if x == Atom("soft_purge"):
        return "soft_purge"
    if x == Atom("brutal_purge"):
        return "brutal_purge"
    raise PlanError(r.BadPurgeMethod(x))


def _timeout(x: Term) -> ins.Timeout:
    if x == Atom("default"):
        return "default"
    if x == Atom("infinity"):
        return "infinity"
    if isinstance(x, int) and not isinstance(x, bool) and x > 0:
        return x
    raise PlanError(r.BadTimeout(x))


def _change(x: Term) -> ins.Change:
    if x == Atom("soft"):
        return ins.Soft()
    if isinstance(x, tuple) and len(x) == 2 and x[0] == Atom("advanced"):
        return ins.Advanced(x[1])
    raise PlanError(r.BadChange(x))


def _mod_type(x: Term) -> ins.ModType:
    if x == Atom("static"):
        return "static"
    if x == Atom("dynamic"):
        return "dynamic"
    raise PlanError(r.BadModType(x))


def _app(x: Term) -> str:
    if not isinstance(x, Atom):
        raise PlanError(r.BadApplication(x))
    return x.name


def _start_type(x: Term) -> ins.StartType:
    if isinstance(x, Atom) and x.name in ("none", "load", "temporary", "transient", "permanent"):
        return x.name  # type: ignore[return-value]
    raise PlanError(r.BadStartType(x))


def _mfa(m: Term, f: Term, a: Term) -> tuple[str, str, Term]:
    module = _mod(m)
    if not isinstance(f, Atom):
        raise PlanError(r.BadFunc(f))
    if not is_list(a):
        raise PlanError(r.BadArgsList(a))
    return module, f.name, a


def _suspend_entry(x: Term) -> str | tuple[str, ins.Timeout]:
    if isinstance(x, tuple) and len(x) == 2:
        return (_mod(x[0]), _timeout(x[1]))
    return _mod(x)


def _code_change_entries(x: Term) -> tuple[tuple[str, Term], ...]:
    out = []
    for e in _elements(x):
        if not (isinstance(e, tuple) and len(e) == 2):
            raise PlanError(r.BadCodeChange(e))
        out.append((_mod(e[0]), e[1]))
    return tuple(out)


def _update(t: tuple[Term, ...]) -> ins.Update:
    n = len(t)
    module = _mod(t[1])
    mod_type: ins.ModType = "dynamic"
    timeout: ins.Timeout = "default"
    if n == 8:
        mod_type = _mod_type(t[2])
    if n >= 7:
        timeout = _timeout(t[n - 5])
    change = _change(t[n - 4])
    pre, post = _purge(t[n - 3]), _purge(t[n - 2])
    return ins.Update(module, mod_type, timeout, change, pre, post, _mods(t[n - 1]))


_BARE = frozenset({"restart", "reboot", "restart_new_emulator", "restart_emulator"})


def typed(term: Term) -> ins.Instruction:
    """Check one instruction (stage-E form) field by field, and normalize and type it.

    The checks run in OTP's order, so the first bad field is the one OTP reports;
    stage N is folded in (a 6- or 7-tuple update becomes a full Update).
    """
    if isinstance(term, Atom):
        if term.name == "point_of_no_return":
            return ins.POINT_OF_NO_RETURN
        if term.name in _BARE:
            return ins.Bare(term.name)
        if term.name == "mnesia_backup":
            raise PlanError(r.NotYetImplemented(term))
        raise PlanError(r.BadInstruction(term))
    tag = _tag(term)
    if tag is None or not isinstance(term, tuple):
        raise PlanError(r.BadInstruction(term))
    n = len(term)
    build = _BUILDERS.get((tag, n))
    if build is None:
        raise PlanError(r.BadInstruction(term))
    return build(term)


def _sync_nodes(t: tuple[Term, ...]) -> ins.Instruction:
    target = t[2]
    if isinstance(target, tuple) and len(target) == 3:
        return ins.SyncNodes(t[1], mfa=_mfa(target[0], target[1], target[2]))
    if not is_list(target):
        raise PlanError(r.BadList(target))
    nodes = []
    for node in _elements(target):
        if not isinstance(node, Atom):
            raise PlanError(r.BadNode(node))
        nodes.append(node.name)
    return ins.SyncNodes(t[1], nodes=tuple(nodes))


def _load_object_code(t: tuple[Term, ...]) -> ins.Instruction:
    arg = t[1]
    if not (isinstance(arg, tuple) and len(arg) == 3):
        raise PlanError(r.BadInstruction(t))
    lib, vsn, mods = arg
    if not isinstance(lib, Atom):
        raise PlanError(r.BadLib(lib))
    if not is_list(vsn):
        raise PlanError(r.BadLibVsn(vsn))
    vsn_text = as_string(vsn)
    if vsn_text is None:  # a list, but not of characters: kept as its text
        vsn_text = format_term(vsn)
    return ins.LoadObjectCode(lib.name, vsn_text, _mods(mods))


def _load_or_remove(t: tuple[Term, ...]) -> ins.Instruction:
    arg = t[1]
    if not (isinstance(arg, tuple) and len(arg) == 3):
        raise PlanError(r.BadInstruction(t))
    m, pre, post = _mod(arg[0]), _purge(arg[1]), _purge(arg[2])
    return ins.Load(m, pre, post) if _tag(t) == "load" else ins.Remove(m, pre, post)


def _code_change3(t: tuple[Term, ...]) -> ins.Instruction:
    if not is_list(t[2]):
        raise PlanError(r.BadList(t[2]))
    if t[1] not in (Atom("up"), Atom("down")):
        raise PlanError(r.BadMode(t[1]))
    return ins.CodeChange("up" if t[1] == Atom("up") else "down", _code_change_entries(t[2]))


def _code_change2(t: tuple[Term, ...]) -> ins.Instruction:
    if not is_list(t[1]):
        raise PlanError(r.BadList(t[1]))
    return ins.CodeChange(None, _code_change_entries(t[1]))


def _suspend(t: tuple[Term, ...]) -> ins.Instruction:
    if not is_list(t[1]):
        raise PlanError(r.BadList(t[1]))
    return ins.Suspend(tuple(_suspend_entry(x) for x in _elements(t[1])))


def _apply(t: tuple[Term, ...]) -> ins.Instruction:
    arg = t[1]
    if not (isinstance(arg, tuple) and len(arg) == 3):
        raise PlanError(r.BadInstruction(t))
    return ins.Apply(*_mfa(*arg))


_BUILDERS: dict[tuple[str, int], Callable[[tuple[Term, ...]], ins.Instruction]] = {
    ("update", 6): _update,
    ("update", 7): _update,
    ("update", 8): _update,
    ("load_module", 5): lambda t: ins.LoadModule(
        _mod(t[1]), _purge(t[2]), _purge(t[3]), _mods(t[4])
    ),
    ("add_module", 2): lambda t: ins.AddModule(_mod(t[1])),
    ("add_module", 3): lambda t: ins.AddModule(_mod(t[1]), _mods(t[2])),
    ("delete_module", 2): lambda t: ins.DeleteModule(_mod(t[1])),
    ("delete_module", 3): lambda t: ins.DeleteModule(_mod(t[1]), _mods(t[2])),
    ("remove_application", 2): lambda t: ins.RemoveApplication(_app(t[1])),
    ("add_application", 3): lambda t: ins.AddApplication(_app(t[1]), _start_type(t[2])),
    ("restart_application", 2): lambda t: ins.RestartApplication(_app(t[1])),
    ("load_object_code", 2): _load_object_code,
    ("load", 2): _load_or_remove,
    ("remove", 2): _load_or_remove,
    ("purge", 2): lambda t: ins.Purge(_mods(t[1])),
    ("suspend", 2): _suspend,
    ("resume", 2): lambda t: ins.Resume(_mods(t[1])),
    ("code_change", 2): _code_change2,
    ("code_change", 3): _code_change3,
    ("stop", 2): lambda t: ins.Stop(_mods(t[1])),
    ("start", 2): lambda t: ins.Start(_mods(t[1])),
    ("sync_nodes", 3): _sync_nodes,
    ("apply", 2): _apply,
}


# --- 5. pairing checks -------------------------------------------------------------------


def _difference(left: list[str], right: list[str]) -> tuple[str, ...]:
    keep = set(right)
    return tuple(x for x in left if x not in keep)


def check_pairs(before: Sequence[ins.Instruction], after: Sequence[ins.Instruction]) -> None:
    """OTP's check_script: hand-written low-level instructions must pair up."""
    object_code = {m for i in before if isinstance(i, ins.LoadObjectCode) for m in i.modules}
    for i in after:
        if isinstance(i, ins.Load) and i.module not in object_code:
            raise PlanError(r.NoObjectCode(i.module))
    suspended = [m for i in after if isinstance(i, ins.Suspend) for m in i.names]
    resumed = [m for i in after if isinstance(i, ins.Resume) for m in i.modules]
    if left := _difference(suspended, resumed):
        raise PlanError(r.SuspendedNotResumed(left))
    if left := _difference(resumed, suspended):
        raise PlanError(r.ResumedNotSuspended(left))
    started = [m for i in after if isinstance(i, ins.Start) for m in i.modules]
    stopped = [m for i in after if isinstance(i, ins.Stop) for m in i.modules]
    if left := _difference(started, stopped):
        raise PlanError(r.StartNotStop(left))
    if left := _difference(stopped, started):
        raise PlanError(r.StopNotStart(left))


def prepare(scripts: Sequence[Term]) -> tuple[list[ins.Instruction], list[ins.Instruction]]:
    """Steps 1-5: the merged script, checked and typed, split at its one PONR."""
    merged = merge([expand(s) for s in scripts])
    typed_script = [typed(t) for t in merged]
    cut = typed_script.index(ins.POINT_OF_NO_RETURN)
    before, after = typed_script[:cut], typed_script[cut + 1 :]
    check_pairs(before, after)
    return before, after
