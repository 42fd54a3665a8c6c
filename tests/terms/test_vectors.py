"""The term vectors written by OTP 25 (shared/term-vectors): read alike, written alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from relup.terms import Atom, ErlMap, Term, equal, format_term, read_terms

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
VECTORS = SHARED / "term-vectors"
SPELLINGS = ["source.terms", "canonical.terms", "pretty.terms"]


def vector_terms(name: str) -> list[Term]:
    if not VECTORS.is_dir():
        pytest.fail(f"term vectors not found beside the repository (looked in {VECTORS})")
    return read_terms(VECTORS / name)


@pytest.mark.parametrize("name", SPELLINGS)
def test_each_file_holds_39_terms(name: str) -> None:
    """source, canonical and pretty spellings each give 39 terms."""
    assert 39 == len(vector_terms(name))


@pytest.mark.parametrize("other", SPELLINGS[1:])
def test_spellings_read_to_equal_terms(other: str) -> None:
    """OTP's ~w and ~tp spellings read to the same terms as the source, one by one."""
    source = vector_terms("source.terms")
    for i, (a, b) in enumerate(zip(source, vector_terms(other), strict=True)):
        assert equal(a, b), f"term {i + 1}: {a!r} != {b!r}"


@pytest.mark.parametrize(
    ("index", "expected"),
    [
        (0, Atom("ok")),
        (1, Atom("ok")),
        (2, Atom("end")),
        (5, Atom("it's")),
        (6, Atom("")),
        (10, Atom("true")),
        (12, 123456789012345678901234567890),
        (13, 255),
        (14, 10),
        (15, 97),
        (16, 10),
        (17, 1.0),
        (18, -0.0025),
        (19, 1.0e10),
        (21, "a\nb\tc"),
        (22, 'quote" and backslash\\'),
        (23, "ünïcödé"),
        (24, []),
        (28, [1, "a", Atom("b"), (Atom("c"),)]),
        (29, b"bin"),
        (30, b"\x01\x02\x03"),
        (31, b""),
        (32, ()),
        (34, ErlMap([(Atom("a"), 1), ("k", [Atom("x")])])),
        (35, ErlMap()),
    ],
)
def test_source_terms_have_the_python_values(index: int, expected: Term) -> None:
    """Selected source terms read to the documented Python representation."""
    actual = vector_terms("source.terms")[index]
    assert equal(expected, actual)
    assert type(expected) is type(actual) or isinstance(expected, list | str)


def test_float_and_integer_types_are_kept() -> None:
    """1.0 stays a float and 255 an int (=:= tells them apart)."""
    terms = vector_terms("source.terms")
    assert (float, int) == (type(terms[17]), type(terms[13]))


def atom_lines() -> list[tuple[str, str]]:
    path = VECTORS / "atoms.txt"
    if not path.is_file():
        pytest.fail(f"atoms.txt not found in {VECTORS}")
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("%") or not line.strip():
            continue
        _, name, written = line.split("|")
        rows.append((name, written.strip()))
    return rows


def test_atoms_file_is_not_empty() -> None:
    """atoms.txt lists the atoms the writer is checked against."""
    assert len(atom_lines()) >= 20


def test_atoms_are_written_as_otp_writes_them() -> None:
    """Every atom in atoms.txt is written exactly as io_lib:write_atom writes it."""
    expected = [written for _, written in atom_lines()]
    assert expected == [format_term(Atom(name)) for name, _ in atom_lines()]


def test_canonical_file_reads_back_from_our_writer() -> None:
    """Writing the 39 terms and reading them back gives equal terms."""
    from relup.terms import format_file, parse_terms

    terms = vector_terms("source.terms")
    again = parse_terms(format_file(terms))
    assert len(terms) == len(again)
    assert all(equal(a, b) for a, b in zip(terms, again, strict=True))


def test_pretty_vector_layout_is_reproduced() -> None:
    """The appup-shaped term is laid out as OTP's ~tp lays it out."""
    from relup.terms import format_pretty

    text = (VECTORS / "pretty.terms").read_text(encoding="utf-8")
    start = text.index('{"2.0.0",')
    expected = text[start : text.index("}.\n", start) + 1]
    assert expected == format_pretty(vector_terms("source.terms")[36])
