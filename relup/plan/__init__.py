"""The relup generator: appups in, the relup OTP's ``systools:make_relup`` writes out.

Pure: no asyncio, rich or typer. The pipeline, one module per stage:

* :mod:`~relup.plan.otp_tree` reads OTP release trees and
  :mod:`~relup.plan.python_tree` Python release trees (the front ends; any
  :class:`~relup.plan.release.ReleaseSource` will do);
* :mod:`~relup.plan.collect` gathers the scripts per base release;
* :mod:`~relup.plan.script` expands, merges, checks and types them;
* :mod:`~relup.plan.translate` lowers them to the low-level instructions.

Refusals are :class:`PlanError` with a typed ``reason`` (:mod:`relup.plan.reasons`).
"""

from relup.plan.collect import Base, Plan, PlannedEntry, make_relup
from relup.plan.otp_tree import OtpTree
from relup.plan.python_tree import PythonTree
from relup.plan.reasons import PlanError, PlanWarning, Reason
from relup.plan.release import Application, Release, ReleaseSource

__all__ = [
    "Application",
    "Base",
    "OtpTree",
    "Plan",
    "PlanError",
    "PlanWarning",
    "PlannedEntry",
    "PythonTree",
    "Reason",
    "Release",
    "ReleaseSource",
    "make_relup",
]
