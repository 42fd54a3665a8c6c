"""Fixtures of the end-to-end tests: release packages of the samples, and node roots.

``node_root`` (tests/service/nodes.py) gives an empty root with a short path and kills
(and fails the test over) any node still running on it at the end.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from relup.release.package import pack
from tests.conftest import REPO
from tests.service.nodes import node_root

__all__ = ["counter_packages", "kv_packages", "node_root"]

SAMPLES = REPO / "sample_releases"


@pytest.fixture(scope="session")
def kv_packages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """kvstore 1.0.0, 2.0.0 and 3.0.0 as release packages, by version."""
    dist = tmp_path_factory.mktemp("kv-dist")
    return {v: pack(SAMPLES / "kvstore", v, dist) for v in ("1.0.0", "2.0.0", "3.0.0")}


@pytest.fixture(scope="session")
def counter_packages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """counter 1.0.0 as a release package."""
    dist = tmp_path_factory.mktemp("counter-dist")
    return {"1.0.0": pack(SAMPLES / "counter", "1.0.0", dist)}
