"""Shipped cases: real, sourced incidents, claims and sources for a truce.

A case is a folder under ``trucewatch/data/cases/`` holding ``incidents.csv``
(ACLED format), ``claims.yaml``, ``sources.yaml``, optionally ``access.yaml`` (convoys
and sieges) and a README naming every source.  It is a curated selection, not a complete record.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from trucewatch.errors import InputError, Problem

_DIR = files("trucewatch") / "data" / "cases"


@dataclass(frozen=True)
class CaseFiles:
    """Paths of one shipped case's files."""

    name: str
    incidents: Path
    claims: Path
    sources: Path
    readme: Path
    access: Path | None = None


def shipped_case_names() -> list[str]:
    """Names of the shipped cases."""
    return sorted(p.name for p in _DIR.iterdir() if p.is_dir() and not p.name.startswith("_"))


def case_files(name: str) -> CaseFiles:
    """The files of shipped case ``name``."""
    if name not in shipped_case_names():
        raise InputError(
            [
                Problem(
                    name,
                    None,
                    "no such shipped case",
                    f"known cases: {', '.join(shipped_case_names())}",
                )
            ]
        )
    root = Path(str(_DIR / name))
    return CaseFiles(
        name,
        root / "incidents.csv",
        root / "claims.yaml",
        root / "sources.yaml",
        root / "README.md",
        root / "access.yaml" if (root / "access.yaml").is_file() else None,
    )
