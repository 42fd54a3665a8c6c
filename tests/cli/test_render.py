"""The renderables of the operator commands: durations, versions, install phases."""

from __future__ import annotations

import pytest

from relup.cli.render import PhaseRow, duration, phase_rows, short_vsn
from tests.cli.fake_node import PHASES


class TestDuration:
    @pytest.mark.parametrize(
        ("seconds", "expected"),
        [(0.00042, "420 µs"), (0.0035, "3.5 ms"), (0.25, "250.0 ms"), (1.254, "1.25 s")],
    )
    def test_units(self, seconds: float, expected: str) -> None:
        """Microseconds, milliseconds or seconds, whichever reads best."""
        assert expected == duration(seconds)


class TestShortVsn:
    def test_digest_is_cut(self) -> None:
        """A source digest keeps its first 8 hex digits; a __vsn__ is kept whole."""
        assert "md5:4425178b" == short_vsn("md5:4425178b1195619017055cb84d2bb236")
        assert "2.0.0" == short_vsn("2.0.0")
        assert "-" == short_vsn(None)


class TestPhaseRows:
    def _states(self, rows: list[PhaseRow]) -> list[tuple[str, str]]:
        return [(r.state, r.label) for r in rows]

    def test_half_way(self) -> None:
        """Reported phases are done, the next one runs, the rest wait."""
        rows = phase_rows(PHASES[:3], check="ok", check_seconds=0.001)
        assert [
            ("done", "check"),
            ("done", "load object code"),
            ("done", "point of no return"),
            ("done", "suspend"),
            ("running", "load"),
            ("pending", "code_change"),
            ("pending", "resume"),
            ("pending", "purge"),
        ] == self._states(rows)

    def test_before_the_first_report(self) -> None:
        """Nothing reported yet: the check is done and loading the object code runs."""
        rows = phase_rows([], check="ok", check_seconds=0.001)
        assert ("running", "load object code") == (rows[1].state, rows[1].label)

    def test_finished_without_some_phases(self) -> None:
        """Once finished, phases never reported were not in the relup."""
        reported = [p for p in PHASES if p["phase"] != "purge"]
        rows = phase_rows(reported, check="ok", check_seconds=0.001, finished=True)
        assert ("skipped", "purge") == (rows[-1].state, rows[-1].label)

    def test_failed_half_way(self) -> None:
        """A failure: the first phase not reported failed, the rest were not reached."""
        reported = [*PHASES[:3], {"phase": "rollback", "at": 0.01, "detail": {"processes": 2}}]
        rows = phase_rows(reported, check="ok", check_seconds=0.001, finished=True, failed=True)
        assert [
            ("done", "suspend"),
            ("failed", "load"),
            ("not reached", "code_change"),
            ("not reached", "resume"),
            ("not reached", "purge"),
            ("error", "rollback"),
        ] == self._states(rows[3:])

    def test_details_add_up(self) -> None:
        """Loads are listed together; code_change counts add up over its instructions."""
        phases = [
            *PHASES,
            {"phase": "code_change", "at": 0.0097, "detail": {"processes": 2}},
        ]
        rows = {r.label: r.detail for r in phase_rows(phases, check="ok", check_seconds=0.0)}
        assert "2 modules: kv_store, kv_conn" == rows["load"]
        assert "7 processes migrated" == rows["code_change"]
        assert "killed 0" == rows["purge"]


class TestReleasesTable:
    def test_highest_version_first_for_people(self) -> None:
        """1.10.0 above 1.9.0 (not string order); a version packaging cannot read still sorts."""
        from rich.console import Console

        from relup.cli.render import releases_table

        answer = {
            "releases": [
                {"name": "shop", "vsn": v, "status": "old", "python": "3.11", "applications": []}
                for v in ("1.9.0", "R16B", "1.10.0")
            ],
            "running": "1.10.0",
        }
        console = Console(width=120, record=True)
        console.print(releases_table(answer))
        text = console.export_text()
        order = sorted(("1.9.0", "R16B", "1.10.0"), key=text.index)
        assert ["1.10.0", "1.9.0", "R16B"] == order
