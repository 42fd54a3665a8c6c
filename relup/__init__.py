"""relup: Erlang/OTP-style hot release upgrades for Python services.

The public surface is small; lower-level pieces live in their subpackages:
:mod:`relup.terms` (Erlang term text), :mod:`relup.spec` (release files),
:mod:`relup.plan` (the relup generator).
"""

from relup.errors import RelupError, SpecError, TermSyntaxError
from relup.plan import Base, OtpTree, Plan, PlanError, make_relup

__all__ = [
    "Base",
    "OtpTree",
    "Plan",
    "PlanError",
    "RelupError",
    "SpecError",
    "TermSyntaxError",
    "make_relup",
]
