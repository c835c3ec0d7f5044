"""Spellings of Syria's 14 governorates, so admin-unit zones match any source.

The same governorate arrives as "Deir-ez-Zor" (OCHA), "Deir ez Zor Governorate"
(UCDP), "Dayr az Zawr" (GeoNames) or "Deir al-Zour" (press).  Variants are
taken from the OCHA Syria admin-1 boundaries (2016-09-05), UCDP GED 19.1 adm_1
values, GeoNames and ISO 3166-2:SY; the P-codes are OCHA's.  A mission in
another country loads its own boundaries (`trucewatch geo load`, a later
issue); this table only covers the shipped Syria case.
"""

from __future__ import annotations

import re
import unicodedata

GOVERNORATES: dict[str, tuple[str, ...]] = {
    "SY01 Damascus": ("Damascus", "Dimashq", "Damascus Governorate"),
    "SY02 Aleppo": ("Aleppo", "Halab", "Aleppo Governorate"),
    "SY03 Rural Damascus": (
        "Rural Damascus",
        "Rif Dimashq",
        "Rif Dimashq Governorate",
        "Reef Damascus",
        "Damascus Countryside",
    ),
    "SY04 Homs": ("Homs", "Hims", "Homs Governorate"),
    "SY05 Hama": ("Hama", "Hamah", "Hamah Governorate", "Hama Governorate"),
    "SY06 Lattakia": ("Lattakia", "Latakia", "Al Ladhiqiyah", "Latakia Governorate"),
    "SY07 Idleb": ("Idleb", "Idlib", "Idlib Governorate"),
    "SY08 Al-Hasakeh": ("Al-Hasakeh", "Hasakah", "Al Hasakah", "Hasaka", "Al Hasakah Governorate"),
    "SY09 Deir-ez-Zor": (
        "Deir-ez-Zor",
        "Deir ez-Zor",
        "Deir ez Zor",
        "Dayr az Zawr",
        "Deir al-Zour",
        "Deir Ezzor",
        "Deir ez Zor Governorate",
    ),
    "SY10 Tartous": ("Tartous", "Tartus", "Tartus Governorate"),
    "SY11 Ar-Raqqa": ("Ar-Raqqa", "Raqqa", "Ar Raqqah", "Raqqah", "Ar Raqqah Governorate"),
    "SY12 Dar'a": ("Dar'a", "Daraa", "Deraa", "Daraa Governorate"),
    "SY13 As-Sweida": ("As-Sweida", "Suwayda", "As Suwayda", "Sweida", "As Suwayda Governorate"),
    "SY14 Quneitra": ("Quneitra", "Al Qunaytirah", "Quneitra Governorate"),
}

#: Countries whose admin1 names are tabled here (ISO 3166 alpha-2 → table).
ADMIN1_TABLES: dict[str, dict[str, tuple[str, ...]]] = {"SY": GOVERNORATES}

_SUFFIX = re.compile(r"\b(governorate|province|muhafazat|oblast)\b")


def admin_key(name: str) -> str:
    """A spelling-insensitive key: no accents, case, punctuation or 'Governorate'."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = _SUFFIX.sub(" ", text)
    return re.sub(r"[^a-z0-9]+", "", text)


_CANONICAL: dict[str, str] = {
    admin_key(v): code
    for code, variants in GOVERNORATES.items()
    for v in (code.split(" ", 1)[1], *variants)
}
_CANONICAL.update({code.split(" ", 1)[0].lower(): code for code in GOVERNORATES})


def canonical_admin1(name: str) -> str:
    """The governorate a name denotes ('SY09 Deir-ez-Zor'), or its key if unknown."""
    key = admin_key(name)
    return _CANONICAL.get(key, key)
