"""Name normalisation: one conservative key per way of writing an actor's name.

Arabic names reach us romanised by many hands ("Jabhat al-Nusra", "Jabhat
an-Nusra", "Jabhet Al Nusra"), so exact string matching misses most mentions.
``name_key`` folds the spellings people actually use onto one key, and no
further: two different groups must never share a key ("Jaysh Tahrir al-Sham"
is a Qalamoun FSA faction, not Hay'at Tahrir al-Sham).
"""

from __future__ import annotations

import re
import string
import unicodedata
from functools import lru_cache

__all__ = ["ARTICLES", "name_key"]

# Marks of elision in transliteration (hamza, ayn) and every quote people type
# in their place.  They carry no letter a reader of Latin script would match on.
# Dots go too, so that "U.S." == "US"; dotless "ı" (kept by NFKD) becomes "i".
_DROPPED = str.maketrans({**dict.fromkeys("'’‘ʼʻʿʾ`´\"“”„‛′″«».", None), "ı": "i"})
_ASCII_DROPPED: dict[str, None] = dict.fromkeys("'`\".", None)

# The Arabic definite article as romanised: "al-", "el-", and the forms
# assimilated to a following "sun letter" ("an-Nusra", "ash-Sham", "ad-Din").
ARTICLES = frozenset(
    {"al", "el", "il", "ul", "ad", "adh", "an", "ar", "as", "ash", "at", "ath", "az", "the"}
)

# Transliteration variants of the same Arabic sound.  Long vowels written as
# two letters fold before doubled letters collapse (else "ee" would become "e");
# the others fold after "yy" -> "y", so that "Hayyat" folds like "Hayat".
_LONG_VOWELS: tuple[tuple[str, str], ...] = (
    ("ou", "u"),  # French-style "Nour", "Moutasem" == "Nur", "Mutasem"
    ("oo", "u"),  # English-style "Noor" == "Nur"
    ("ee", "i"),  # long i written "ee": "Deen" == "Din"
)
_FOLDS: tuple[tuple[str, str], ...] = (
    ("ay", "ai"),  # "Jaysh" == "Jaish"; "Faylaq" == "Failaq"
    ("ey", "ai"),  # "Jeysh" == "Jaish"
    ("ei", "ai"),  # "Jeish" == "Jaish"
    ("q", "k"),  # qaf written "k": "Faylaq" == "Faylak"
)

# The same rules as _DROPPED and _NON_WORD, as one table for ASCII text.
_ASCII_TABLE = str.maketrans({**dict.fromkeys(string.punctuation, " "), **_ASCII_DROPPED})
_NON_WORD = re.compile(r"[\W_]+")
# Repeats of a Latin letter after its first ("2000" stays "2000"; Arabic script
# marks doubling with shadda, a combining mark already gone).  Deleting behind
# a lookbehind is about twice as fast as substituting a backreference.
_DOUBLED = re.compile(r"(?<=([a-z]))\1+")
_TA_MARBUTA = re.compile(r"(?<=\w\wa)h\b")  # the "h" of a final "ah" in a 4+ letter word


@lru_cache(maxsize=131072)
def name_key(text: str) -> str:
    """Return the matching key of an actor name; equal keys mean "same name".

    Rules, in order, and why:

    1. Unicode NFKD, then drop combining marks: "Ḥalab" == "Halab", and Arabic
       vowel marks (harakat) vanish, since writers include them or not at will.
    2. ``casefold`` (and Turkish dotless "ı" -> "i", which NFKD keeps):
       "AL-NUSRA" == "al-Nusra"; "Kılıç" == "Kilic".
    3. Drop apostrophes and quotes (' ’ ‘ ʼ ʿ ʾ ` ´ and double quotes), which
       stand for hamza/ayn or are decoration: "Hay'at" == "Hayat";
       "Mare'" == "Mare".  Dots are dropped too, so "U.S." == "US".
    4. Every other non-letter, non-digit run (hyphen, dash, slash, comma,
       brackets, underscore, spaces) becomes one word break: "al-Sham" ==
       "al Sham"; "Military Forces of Syria (2000-)" keeps its words.
    5. Drop the Arabic article in all its romanisations (al, el, il, ul and
       the sun-letter forms ad, adh, an, ar, as, ash, at, ath, az) and English
       "the", when it stands as a word of a longer name: "Jabhat an-Nusra" ==
       "Jabhat al-Nusra" == "jabhat nusra".  A name that is nothing but an
       article is kept as written, so the key is never empty.
    6. Inside each word, fold long vowels written double (ou/oo -> u,
       ee -> i: "Nour" == "Noor" == "Nur"; "Deen" == "Din").
    7. Inside each word, fold transliteration variants of one sound: yy -> y
       first ("Hayyat" == "Hayat"), then ay/ey/ei -> ai ("Jaysh" == "Jaish" ==
       "Jeish"; "Faylaq" == "Failaq") and q -> k ("Faylaq" == "Faylak"); then
       collapse every doubled Latin letter, not digits ("Shamiyyah" ==
       "Shamiyah"; "Shuhadaa" == "Shuhada"; "Haqq" == "Hak"), because
       romanisers mark Arabic gemination and long vowels inconsistently.
    8. Drop a final "h" after "a" in words longer than three letters (ta
       marbuta, written or not: "Shamiyah" == "Shamiya"; "Jabha" == "Jabhah").

    Deliberately *not* folded: e/i and o/u in general, dh/z, th/s, and word
    order, because those merge names of different groups more often than they
    join spellings of one group.  Variants beyond these rules belong in the
    registry as aliases.
    """
    if text.isascii():
        # Fast path for the common case: one table drops quotes and dots and
        # turns every other ASCII punctuation mark into a space.
        words = text.lower().translate(_ASCII_TABLE).split()
    else:
        # Quotes go before NFKD, which would turn "´" into a space + accent.
        decomposed = unicodedata.normalize("NFKD", text.translate(_DROPPED))
        text = "".join(c for c in decomposed if not unicodedata.combining(c))
        words = _NON_WORD.sub(" ", text.casefold()).split()
    if len(words) > 1:
        words = [w for w in words if w not in ARTICLES] or words
    # Rules 6-8 work inside words; no pattern spans the single spaces between
    # them, so they run once over the joined key rather than word by word.
    key = " ".join(words)
    for old, new in _LONG_VOWELS:
        key = key.replace(old, new)
    # "yy" first, so that "Hayyat" folds like "Hayat"; one pass then collapses
    # every other doubling, including those the folds make ("Haqq" -> "hakk").
    key = key.replace("yy", "y")
    for old, new in _FOLDS:
        key = key.replace(old, new)
    key = _DOUBLED.sub("", key)
    return _TA_MARBUTA.sub("", key) if "ah" in key else key
