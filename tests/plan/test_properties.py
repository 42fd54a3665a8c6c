"""Properties of every plan the generator makes, over random appup scripts (hypothesis).

The releases come from an in-memory front end, which also shows that the generator
needs nothing but a :class:`relup.plan.ReleaseSource`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import given, settings
from hypothesis import strategies as st

from relup.plan import Application, Base, Plan, PlanError, Release, make_relup
from relup.plan import instructions as ins
from relup.plan.reasons import Reason
from relup.plan.script import check_pairs
from relup.spec import Appup
from relup.terms import Atom, Term, equal, parse_term

MODULES = ["ma", "mb", "mc", "md", "me"]


@dataclass
class MemorySource:
    """Two releases of one application 'app' (plus the core applications)."""

    up: list[Term]
    down: list[Term]
    otp_rules: bool = True
    reads: list[str] = field(default_factory=list)

    def read_release(self, ref: str) -> Release:
        vsn = "2.0" if ref == "new" else "1.0"
        core = [
            Application(n, v, "permanent", (), f"lib/{n}-{v}")
            for n, v in (("kernel", "8.5.3"), ("stdlib", "4.2"), ("sasl", "4.2"))
        ]
        app = Application("app", vsn, "permanent", tuple(MODULES), f"lib/app-{vsn}")
        apps = (*core, app)
        return Release("rel", ref, "13.1.5", apps, tuple(a.name for a in apps), ref)

    def read_appup(self, app: Application) -> Appup:
        self.reads.append(app.vsn)
        term = ("2.0", [("1.0", self.up)], [("1.0", self.down)])
        return Appup.from_term(term, f"{app.directory}/app.appup")


modules = st.sampled_from(MODULES).map(Atom)
dep_mods = st.lists(modules, max_size=3, unique=True)
purge = st.sampled_from([Atom("soft_purge"), Atom("brutal_purge")])
change = st.one_of(st.just(Atom("soft")), st.tuples(st.just(Atom("advanced")), st.integers(0, 3)))
timeout = st.one_of(st.just(Atom("default")), st.just(Atom("infinity")), st.integers(1, 9000))
high_level = st.one_of(
    st.tuples(st.just(Atom("update")), modules),
    st.tuples(st.just(Atom("update")), modules, change),
    st.tuples(st.just(Atom("update")), modules, dep_mods),
    st.tuples(st.just(Atom("update")), modules, change, purge, purge, dep_mods),
    st.tuples(
        st.just(Atom("update")),
        modules,
        st.sampled_from([Atom("static"), Atom("dynamic")]),
        timeout,
        change,
        purge,
        purge,
        dep_mods,
    ),
    st.tuples(st.just(Atom("load_module")), modules),
    st.tuples(st.just(Atom("load_module")), modules, dep_mods),
    st.tuples(st.just(Atom("add_module")), modules),
    st.tuples(st.just(Atom("delete_module")), modules, dep_mods),
    st.tuples(st.just(Atom("apply")), st.tuples(modules, st.just(Atom("f")), st.just([1]))),
    st.just(Atom("restart_emulator")),
    st.just(Atom("restart_new_emulator")),
)
scripts = st.lists(high_level, max_size=6)


def plan_or_refusal(up: list[Term], down: list[Term]) -> Plan | Reason:
    try:
        return make_relup(MemorySource(up, down), "new", [Base("old")], [Base("old")])
    except PlanError as exc:
        return exc.reason


@settings(max_examples=300, deadline=None)
@given(scripts, scripts)
def test_generation_is_deterministic(up: list[Term], down: list[Term]) -> None:
    """The same inputs always give the same relup (or the same refusal)."""
    first, second = plan_or_refusal(up, down), plan_or_refusal(up, down)
    if isinstance(first, Plan) and isinstance(second, Plan):
        assert equal(first.relup.to_term(), second.relup.to_term())
    else:
        assert first == second


@settings(max_examples=300, deadline=None)
@given(scripts, scripts)
def test_every_plan_is_well_formed(up: list[Term], down: list[Term]) -> None:
    """One PONR; only load_object_code/apply before it (restart_new_emulator first);
    every load has object code; suspends and resumes pair up in reverse order."""
    plan = plan_or_refusal(up, down)
    if not isinstance(plan, Plan):
        return
    for entry in (*plan.up, *plan.down):
        script = list(entry.instructions)
        assert 1 == script.count(ins.POINT_OF_NO_RETURN)
        cut = script.index(ins.POINT_OF_NO_RETURN)
        before, after = script[:cut], script[cut + 1 :]
        if before and before[0] == ins.RESTART_NEW_EMULATOR:
            before = before[1:]
        assert all(isinstance(i, (ins.LoadObjectCode, ins.Apply)) for i in before)
        check_pairs(before, after)
        for n, i in enumerate(after):
            if isinstance(i, ins.Suspend):
                resume = next(j for j in after[n:] if isinstance(j, ins.Resume))
                assert tuple(reversed(i.names)) == resume.modules
        assert after.count(ins.RESTART_EMULATOR) <= 1
        if ins.RESTART_EMULATOR in after:
            assert ins.RESTART_EMULATOR == after[-1]


@settings(max_examples=200, deadline=None)
@given(scripts, scripts)
def test_relup_text_reads_back_as_the_same_term(up: list[Term], down: list[Term]) -> None:
    """What relup writes, the term reader (like Erlang's file:consult) reads back unchanged."""
    plan = plan_or_refusal(up, down)
    if not isinstance(plan, Plan):
        return
    text = plan.relup.to_text()
    assert equal(plan.relup.to_term(), parse_term(text.split("\n", 1)[1]))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(high_level, st.integers(), st.text(max_size=3), st.tuples(modules)), max_size=5
    )
)
def test_any_script_plans_or_is_refused(up: list[Term]) -> None:
    """Arbitrary instruction lists give a plan or a PlanError, never another exception."""
    plan_or_refusal(up, [])
