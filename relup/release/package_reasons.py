"""Why a release package is refused: :class:`PackageError` and its reasons.

Each reason is a small frozen dataclass whose fields are the facts at fault; its
sentence and its hint are templates filled from those fields. They are kept apart
from :mod:`relup.release.package` so that the verifying, extracting and packing code
there reads as the procedure, and the list of refusals reads as one table.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import ClassVar

from relup.release.store import ReleaseError, ReleaseReason
from relup.spec.toml_release import RELEASE_FILE


class PackageError(ReleaseError):
    """A package refused (or a tree that cannot be packed); ``reason`` says why."""

    def __init__(self, reason: ReleaseReason, *, path: str | Path | None = None) -> None:
        super().__init__(reason, context=str(path) if path is not None else None)
        self.path = path


@dataclass(frozen=True)
class PackageReason(ReleaseReason):
    """A reason whose sentence and hint are templates over its fields."""

    template: ClassVar[str] = ""
    advice: ClassVar[str | None] = "build release packages with: relup pack TREE VSN"

    def _values(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def describe(self) -> str:
        return self.template.format_map(self._values())

    @property
    def hint(self) -> str | None:
        return self.advice.format_map(self._values()) if self.advice else None


# --- the archive itself
@dataclass(frozen=True)
class Unreadable(PackageReason):
    detail: str
    template = "cannot read the package: {detail}"
    advice = None


@dataclass(frozen=True)
class NotGzip(PackageReason):
    template = "not a gzip file (a release package is a .tar.gz)"


@dataclass(frozen=True)
class Corrupt(PackageReason):
    detail: str
    template = "corrupt or truncated package: {detail}"
    advice = "copy the package again; its gzip or tar data does not read to the end"


# --- one member
@dataclass(frozen=True)
class AbsolutePath(PackageReason):
    member: str
    template = "member {member!r} has an absolute path"


@dataclass(frozen=True)
class ParentReference(PackageReason):
    member: str
    template = "member {member!r} refers to a parent directory ('..')"


@dataclass(frozen=True)
class Symlink(PackageReason):
    member: str
    target: str
    template = "member {member!r} is a symbolic link (to {target!r}); only files are allowed"


@dataclass(frozen=True)
class HardLink(PackageReason):
    member: str
    target: str
    template = "member {member!r} is a hard link (to {target!r}); only files are allowed"


@dataclass(frozen=True)
class SpecialFile(PackageReason):
    member: str
    kind: str
    template = "member {member!r} is a {kind}; only files and directories are allowed"


@dataclass(frozen=True)
class Duplicate(PackageReason):
    member: str
    template = "member {member!r} appears more than once"


@dataclass(frozen=True)
class PathConflict(PackageReason):
    member: str
    template = "member {member!r} lies under a path that is a file"


# --- the release it holds
@dataclass(frozen=True)
class NoRelease(PackageReason):
    template = f"no releases/<vsn>/{RELEASE_FILE} in the package"


@dataclass(frozen=True)
class TwoReleases(PackageReason):
    members: tuple[str, ...]
    template = "more than one release in the package: {members}"


@dataclass(frozen=True)
class BadManifest(PackageReason):
    detail: str
    template = "{detail}"


@dataclass(frozen=True)
class ManifestMismatch(PackageReason):
    member: str
    key: str
    expected: str
    found: str
    template = "{member}: {key} is {found!r}, but its directory says {expected!r}"


@dataclass(frozen=True)
class OutsideRelease(PackageReason):
    member: str
    vsn: str
    template = (
        "member {member!r} is outside releases/{vsn}/ and the lib directories of the "
        "release's applications"
    )


@dataclass(frozen=True)
class MissingApp(PackageReason):
    app: str
    vsn: str
    template = "the release names {app} {vsn}, but lib/{app}-{vsn}/app.toml is not in the package"


# --- checksums
@dataclass(frozen=True)
class NoChecksums(PackageReason):
    member: str
    template = "no {member} in the package"


@dataclass(frozen=True)
class BadChecksumLine(PackageReason):
    member: str
    line: int
    template = "{member}: line {line} is not '<sha256>  <path>' (or lists a path twice)"


@dataclass(frozen=True)
class ChecksumMismatch(PackageReason):
    member: str
    template = "member {member!r} does not match its SHA-256 in SHA256SUMS"
    advice = "the package is damaged or was altered after relup pack wrote it"


@dataclass(frozen=True)
class Unlisted(PackageReason):
    member: str
    template = "member {member!r} is not listed in SHA256SUMS"


@dataclass(frozen=True)
class MissingListed(PackageReason):
    member: str
    template = "SHA256SUMS lists {member!r}, which is not in the package"


@dataclass(frozen=True)
class PackageChanged(PackageReason):
    member: str
    template = "the package changed while it was unpacked (at {member!r}); nothing was installed"
    advice = None


# --- against a root
@dataclass(frozen=True)
class ConflictingLib(PackageReason):
    app: str
    vsn: str
    detail: str
    template = "lib/{app}-{vsn} is already in the root with different content ({detail})"
    advice = (
        "an application version's files never change once unpacked: "
        "give the changed application a new version"
    )


# --- packing a tree
@dataclass(frozen=True)
class ReleaseNotInTree(PackageReason):
    vsn: str
    tree: str
    template = f"no releases/{{vsn}}/{RELEASE_FILE} in the release tree {{tree}}"
    advice = "TREE is the directory holding releases/ and lib/; VSN a directory of releases/"


@dataclass(frozen=True)
class MissingAppDir(PackageReason):
    app: str
    vsn: str
    path: str
    template = "the release names {app} {vsn}, but {path} is not a directory"
    advice = "put the application's files in lib/{app}-{vsn}/ or fix its version in release.toml"


@dataclass(frozen=True)
class NotPackable(PackageReason):
    path: str
    why: str
    template = "cannot pack {path}: {why}"
    advice = None


# --- extracting a package
@dataclass(frozen=True)
class NotEmptyTarget(PackageReason):
    path: str
    template = "cannot extract into {path}: it is not an empty directory"
    advice = "extract a package into a new or empty directory"
