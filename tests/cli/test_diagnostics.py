"""The one place that maps errors to exit statuses."""

from __future__ import annotations

import pytest

from relup.cli import exit_codes
from relup.cli.diagnostics import exit_status
from relup.control.errors import (
    AuthError,
    ControlError,
    ControlTimeout,
    NodeNotRunning,
    RemoteError,
)
from relup.errors import RelupError


class TestExitStatus:
    @pytest.mark.parametrize(
        ("error", "expected"),
        [
            (NodeNotRunning("no node"), exit_codes.NODE_NOT_RUNNING),
            (ControlTimeout("no answer"), exit_codes.NO_ANSWER),
            (AuthError("bad cookie"), exit_codes.FAILED),
            (RemoteError("timeout", "the call timed out"), exit_codes.FAILED),
            (ControlError("lost", kind="connection-lost"), exit_codes.FAILED),
            (RelupError("bad input"), exit_codes.FAILED),
        ],
        ids=lambda v: type(v).__name__ if isinstance(v, Exception) else str(v),
    )
    def test_status_of_each_error(self, error: RelupError, expected: int) -> None:
        """No node: 3; no answer in time: 4; anything else, a node's own timeout included: 1."""
        assert expected == exit_status(error)
