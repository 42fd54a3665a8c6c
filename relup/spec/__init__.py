"""Typed views of the files a release is described by, built from Erlang terms.

Pure: these modules read terms (from :mod:`relup.terms`) and check their shape,
nothing else. A term of the wrong shape gives :class:`relup.errors.SpecError`
naming the file and the offending part.
"""

from relup.spec.app import AppFile
from relup.spec.appup import Appup, AppupEntry
from relup.spec.rel import RelApp, RelFile
from relup.spec.relup_file import RelupEntry, RelupFile
from relup.spec.versions import find_appup_entry, version_key_matches

__all__ = [
    "AppFile",
    "Appup",
    "AppupEntry",
    "RelApp",
    "RelFile",
    "RelupEntry",
    "RelupFile",
    "find_appup_entry",
    "version_key_matches",
]
