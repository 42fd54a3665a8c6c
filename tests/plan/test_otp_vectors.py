"""Every case under shared/otp-vectors: relup generates what OTP generated, term for term.

A case's expected relup is compared as a term. Where the vectors README lists a case
as order-ambiguous (OTP's order among modules that no DepMods relation orders is a
hash-table artifact, spec §3.4), the test accepts OTP's relup if the generator gives
exactly that relup under *some* tie order: only the tie rule varies, so every
order that DepMods fix must still match.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from relup.plan import Base, OtpTree, PlanError, make_relup
from relup.terms import Atom, Term, canonical, equal, read_first_term
from tests.conftest import SHARED

VECTORS = SHARED / "otp-vectors"
#: Cases of the same layout that relup keeps itself, also produced by OTP (see their README).
OWN_CASES = Path(__file__).resolve().parents[1] / "data" / "otp_cases"


@dataclass
class Case:
    directory: Path
    new: str
    up_from: list[str]
    down_to: list[str]
    path: list[str]
    options: list[str]


def load_case(directory: Path) -> Case:
    fields: dict[str, list[str]] = {}
    for line in (directory / "case.txt").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key.strip()] = value.split()
    return Case(
        directory,
        fields["new"][0],
        fields.get("up_from", []),
        fields.get("down_to", []),
        fields.get("path", ["lib/*/ebin"]),
        fields.get("options", []),
    )


def ambiguous_cases() -> set[str]:
    """The cases the vectors README lists as order-ambiguous."""
    text = (VECTORS / "README.md").read_text()
    found = re.search(r"Order-ambiguous cases:(.*)", text)
    return set(re.findall(r"`([^`]+)`", found.group(1))) if found else set()


def case_dirs(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if (p / "case.txt").is_file()) if root.is_dir() else []


CASES = [p.name for p in case_dirs(VECTORS)]
CASE_DIRS = case_dirs(VECTORS) + case_dirs(OWN_CASES)


def generate(case: Case, tie_rank: dict[str, int] | None = None):  # type: ignore[no-untyped-def]
    return make_relup(
        OtpTree(case.path),
        "releases/" + case.new,
        [Base("releases/" + b) for b in case.up_from],
        [Base("releases/" + b) for b in case.down_to],
        restart_emulator="restart_emulator" in case.options,
        warnings_as_errors="warnings_as_errors" in case.options,
        tie_rank=tie_rank,
    )


def dependent_modules(relup: Term) -> list[str]:
    """Modules named by load/remove instructions anywhere in a relup term."""
    names: list[str] = []
    assert isinstance(relup, tuple)
    for section in relup[1:]:
        assert isinstance(section, list)
        for entry in section:
            assert isinstance(entry, tuple) and isinstance(entry[2], list)
            for i in entry[2]:
                if isinstance(i, tuple) and i[0] in (Atom("load"), Atom("remove")):
                    inner = i[1]
                    assert isinstance(inner, tuple) and isinstance(inner[0], Atom)
                    if inner[0].name not in names:
                        names.append(inner[0].name)
    return names


def matches_under_some_tie_order(case: Case, expected: Term) -> bool:
    """Whether some tie order makes the generator produce exactly `expected`."""
    modules = dependent_modules(expected)
    if len(modules) > 7:
        pytest.fail(f"too many modules ({len(modules)}) to try every tie order")
    for perm in itertools.permutations(modules):
        if equal(expected, generate(case, {m: k for k, m in enumerate(perm)}).relup.to_term()):
            return True
    return False


def atom_names(term: Term) -> set[str]:
    """Every atom inside `term`."""
    if isinstance(term, Atom):
        return {term.name}
    if isinstance(term, (list, tuple)):
        return set().union(*(atom_names(t) for t in term)) if term else set()
    return set()


def otp_error_summary(module: str, reason: Term) -> tuple[str, object, object]:
    """(module, tag, subject) of an OTP error reason, the parts a port must agree on."""
    if isinstance(reason, list):  # systools_make collects errors in a list
        reason = reason[0]
    if isinstance(reason, Atom):
        return (module, reason.name, None)
    assert isinstance(reason, tuple) and isinstance(reason[0], Atom)
    tag = reason[0].name
    subject: object
    if tag == "file_problem":
        path, detail = reason[1]  # type: ignore[misc]
        inner = detail[1][0].name if detail[0] == Atom("error") else "shape"  # type: ignore[index,union-attr]
        subject = (path, inner)
    elif tag == "no_relup":
        subject = (reason[1], reason[2][1], reason[3])  # type: ignore[index]
    elif tag == "error_reading":
        app, detail = reason[1]  # type: ignore[misc]
        subject = (app, detail[0])
    elif tag == "missing_sasl":
        subject = reason[1][2] if len(reason[1]) > 2 else None  # type: ignore[arg-type,index]
    elif module == "systools_make":
        # Release-level problems: the applications and modules named, wherever they sit.
        subject = tuple(sorted(atom_names(reason[1:])))
    else:
        subject = canonical(reason[1:])
    return (
        module,
        tag,
        canonical(subject)
        if not isinstance(subject, tuple)
        else tuple(
            canonical(s)
            for s in subject  # type: ignore[arg-type]
        ),
    )


@pytest.mark.parametrize("directory", CASE_DIRS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_vector(directory: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The generator gives OTP's relup, warnings or error for this case."""
    name = directory.name
    case = load_case(directory)
    monkeypatch.chdir(case.directory)
    expected_error = case.directory / "expected.error"
    if expected_error.exists():
        error = read_first_term(expected_error)
        assert isinstance(error, tuple) and isinstance(error[1], Atom)
        with pytest.raises(PlanError) as caught:
            generate(case)
        reason = caught.value.reason
        assert otp_error_summary(error[1].name, error[2]) == otp_error_summary(
            reason.otp_module, reason.to_term()
        )
        return
    plan = generate(case)
    expected = read_first_term(case.directory / "expected.relup")
    actual = plan.relup.to_term()
    if name in ambiguous_cases():
        assert equal(expected, actual) or matches_under_some_tie_order(case, expected)
    else:
        assert equal(expected, actual), f"\nexpected {expected}\nactual   {actual}"
    warnings_file = case.directory / "expected.warnings"
    expected_warnings = read_first_term(warnings_file) if warnings_file.exists() else []
    assert isinstance(expected_warnings, list)
    assert Counter(canonical(w) for w in expected_warnings) == Counter(
        canonical(w.to_term()) for w in plan.warnings
    )


def test_vectors_exist() -> None:
    """The shared vectors are there: a missing directory must not pass silently."""
    assert len(CASES) >= 30


def test_ambiguous_comparison_rejects_swapped_dependencies(monkeypatch: pytest.MonkeyPatch) -> None:
    """Swapping two modules that DepMods order is rejected even in an ambiguous case."""
    (name,) = sorted(ambiguous_cases())
    case = load_case(VECTORS / name)
    monkeypatch.chdir(case.directory)
    expected = read_first_term(case.directory / "expected.relup")
    text = case.directory.joinpath("expected.relup").read_text()
    # The first and last modules of the diamond are ordered by DepMods: swap their names.
    modules = dependent_modules(expected)
    first, last = modules[0], modules[-1]
    swapped_text = text.replace(first, "@@").replace(last, first).replace("@@", last)
    from relup.terms import parse_first_term

    swapped = parse_first_term(swapped_text)
    assert not equal(expected, swapped)
    assert not matches_under_some_tie_order(case, swapped)
    assert matches_under_some_tie_order(case, expected)
