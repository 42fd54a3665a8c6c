"""OLD and NEW as the user names them: a release directory, its release.toml, or a package.

A release in a tree is read where it is. A package (``<name>-<vsn>.tar.gz``, the
form CI keeps of the last released version) is verified and extracted by
:func:`relup.release.package.extract` into a private temporary directory that
:func:`open_release` removes on exit: the user's tree is never written to. The
extracted files are compared with the digests the verification computed, so what
is checked is what was verified.

Messages about an extracted package name its files as ``<package>:<member>``
(:meth:`OpenedRelease.show`), never by the temporary path.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass

from relup.check.errors import CheckError
from relup.plan.python_tree import RELEASES_DIR, is_otp_release_ref, python_release_file
from relup.release.package import Package, extract

PACKAGE_SUFFIXES = (".tar.gz", ".tgz")


@dataclass(frozen=True, slots=True)
class OpenedRelease:
    """A release ready to read: ``ref`` names its directory ``releases/<vsn>``.

    ``origin`` is what the user gave; ``package`` the verified package it came from,
    if any, and ``root`` the directory it was extracted into.
    """

    origin: str
    ref: str
    package: Package | None = None
    root: str | None = None

    def show(self, text: str) -> str:
        """`text` with the extraction directory replaced by ``<package>:``."""
        if self.root is None:
            return text
        return text.replace(self.root + os.sep, f"{self.origin}:").replace(self.root, self.origin)


def is_package(ref: str) -> bool:
    return ref.endswith(PACKAGE_SUFFIXES) and not os.path.isdir(ref)


@contextlib.contextmanager
def open_release(ref: str) -> Iterator[OpenedRelease]:
    """The release `ref` names, readable for the duration of the ``with`` block.

    Raises :class:`~relup.check.errors.CheckError` when `ref` names no Python release
    and :class:`~relup.release.package_reasons.PackageError` for a package that does
    not verify.
    """
    if is_package(ref):
        if not os.path.isfile(ref):
            raise CheckError(f"package {ref} not found", "name an existing .tar.gz file")
        with tempfile.TemporaryDirectory(prefix="relup-check-") as tmp:
            package = extract(ref, tmp)
            release_dir = os.path.join(tmp, RELEASES_DIR, package.vsn)
            yield OpenedRelease(ref, release_dir, package, tmp)
        return
    found = python_release_file(os.path.normpath(ref))
    if found is None:
        if is_otp_release_ref(ref):
            raise CheckError(
                f"{ref} is an OTP release (.rel): relup check and relup appup read Python releases",
                "name a Python release by its directory releases/<vsn> or its package",
            )
        raise CheckError(
            f"{ref} is neither a Python release directory (with a release.toml) nor a "
            "release package (.tar.gz)",
            "name a release as releases/<vsn>, releases/<vsn>/release.toml or <name>-<vsn>.tar.gz",
        )
    yield OpenedRelease(ref, os.path.dirname(found) or ".")
