"""The agreements that ship with trucewatch, addressable by id."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from trucewatch.errors import InputError, Problem, close_matches

_DIR = files("trucewatch") / "data" / "agreements"


def shipped_agreement_ids() -> list[str]:
    """Ids of the shipped agreements (their file names without .yaml)."""
    return sorted(p.name.removesuffix(".yaml") for p in _DIR.iterdir() if p.name.endswith(".yaml"))


def agreement_path(ref: str) -> Path:
    """A path for ``ref``: an existing file, or the id of a shipped agreement."""
    candidate = Path(ref)
    if candidate.suffix in {".yaml", ".yml"} or candidate.exists():
        if not candidate.exists():
            raise InputError([Problem(ref, None, "file not found", "check the path")])
        return candidate
    if ref in shipped_agreement_ids():
        return Path(str(_DIR / f"{ref}.yaml"))
    close = close_matches(ref, shipped_agreement_ids(), cutoff=0.8)
    hint = f"did you mean {', '.join(close)}?" if close else "see `trucewatch agreement list`"
    raise InputError([Problem(ref, None, "no such agreement file or shipped agreement id", hint)])
