"""Install pause seen by TCP clients outside the node: the sample service under 100 clients.

    python bench/upgrade_tcp.py [CLIENTS]          (default: 100)

Runs ``relup demo``'s scenario (a node OS process on sample_releases/kvstore 1.0.0,
then 2.0.0, 3.0.0, 2.0.0, 1.0.0) with CLIENTS TCP clients, each on one connection
sending requests without pause. Prints ``name value unit`` lines: per install its
time on the node and the longest gap any client saw between two replies around it,
beside ``idle.pause`` (the same figure for an equal window without an install),
and the requests answered and failed (must be 0).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from upgrade import fig

from relup.demo import run_demo


def main() -> None:
    clients = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    report = run_demo(clients)
    for i, s in enumerate(report.steps, 1):
        tag = f"tcp{clients}.step{i}.{s.direction}_to_{s.vsn}"
        fig(f"{tag}.install.time", s.duration, "s")
        fig(f"{tag}.install.pause", s.client_pause, "s")
        fig(f"{tag}.processes", s.upgraded, "processes")
    fig(f"tcp{clients}.idle.pause", report.idle_pause, "s")
    fig(f"tcp{clients}.calls.answered", sum(c.requests for c in report.clients), "calls")
    fig(f"tcp{clients}.calls.failed", report.lost, "calls")
    fig(
        f"tcp{clients}.clients.kept_connection",
        sum(c.error is None for c in report.clients),
        "clients",
    )


if __name__ == "__main__":
    main()
