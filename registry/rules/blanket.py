"""C2's blanket grants, as data: the phrases that grant everything and name no particular use.

Talent & Performance asks for "explicit and documented consent"; a grant of "any and all uses,
in all media now known or hereafter devised, throughout the universe, in perpetuity" is the
opposite of explicit. A description is a blanket grant when, once every phrase below and the
words that only say *whose* or *what kind of* material (``FILLER``) are set aside, fewer than
``MIN_PARTICULARS`` words are left to name the particular use. So "Stunt double pass for
episode 3, in perpetuity" stays specific (it names a stunt double pass for episode 3), while
"Use of my likeness for any and all purposes" names nothing.

Pure Python; imported by the engine (C2 at decision time) and by the consent checks (refused
when recorded, on the API, the pages and the import), so the two can never disagree.
"""

from __future__ import annotations

import re
from functools import lru_cache

# (the phrase as a person reads it, the pattern that finds it and its variants), matched on the
# description lower-cased with punctuation turned into spaces. Longest first: the longer
# phrase is named when both match.
PHRASES: tuple[tuple[str, str], ...] = (
    (
        "all media now known or hereafter devised",
        r"(in )?(any and )?(all|any) (media|medium|formats?)( and formats?)?( whether)? now known"
        r" or hereafter (devised|developed|invented|created|known)",
    ),
    (
        "now known or hereafter devised",
        r"now (known|existing) or (hereafter|later|to be) "
        r"(devised|developed|invented|created|known)",
    ),
    ("throughout the universe", r"throughout the (universe|world|galaxy)"),
    ("in perpetuity", r"(in|for) perpetuity|perpetual(ly)?|forever|for all time"),
    ("any and all uses", r"(for )?any and all( (uses?|purposes?|media|rights|manners?))?"),
    ("for any purpose", r"(for )?(any|every|all) (uses?|purposes?)( (whatsoever|at all))?"),
    ("in any manner", r"in any (manner|way|form|medium)( whatsoever)?"),
    ("without limitation", r"without (any )?(limitation|restriction)s?"),
    ("all media", r"(in )?(all|any) (media|mediums)"),
    ("worldwide", r"world ?wide|universe ?wide|in all territories"),
    ("irrevocable", r"irrevocabl[ey]"),
    ("unlimited", r"unlimited|unrestricted|blanket|whatsoever|everything"),
)

# Words that never name a particular use: who grants, whose material, what kind of consent.
_FILLER_WORDS = """
    a an the and or of for in on to by with as at from into any all each every other such
    i we he she they my our his her their its this that these those which who whom whose
    hereby grant grants granted granting consent consents consented agree agrees agreed permit
    permits permission allow allows license licence licensed licensee licensees assign assigns
    successors producer producers studio studios company companies affiliates
    use uses used using usage purpose purposes right rights media medium material materials
    name names likeness likenesses voice voices performance performances image images persona
    appearance biography biographical identity
    digital replica replicas replication alteration alterations synthetic model models ai
    generative genai content work works project projects production productions
    be is are was were been being will shall may can could would
    performer performers talent actor actors actress artist artists person s
    including include includes whether now hereafter known time
    n na tbd tbc none general
"""
FILLER: frozenset[str] = frozenset(_FILLER_WORDS.split())
MIN_PARTICULARS = 2

_COMPILED = tuple((name, re.compile(rf"\b(?:{pattern})\b")) for name, pattern in PHRASES)
_NON_WORD = re.compile(r"[^a-z0-9]+")


def _normalise(description: str) -> str:
    return " ".join(_NON_WORD.sub(" ", description.lower()).split())


@lru_cache(maxsize=8192)
def blanket_grant(description: str) -> tuple[str, ...] | None:
    """None when the description names a particular use; otherwise the blanket phrases it is
    built on, as people read them (an empty tuple: it names no particular use at all)."""
    text = _normalise(description)
    found: list[str] = []
    for name, pattern in _COMPILED:
        text, count = pattern.subn(" ", text)
        if count:
            found.append(name)
    particulars = [w for w in text.split() if w not in FILLER]
    if len(particulars) >= MIN_PARTICULARS:
        return None
    return tuple(found)


def blanket_message(phrases: tuple[str, ...]) -> str:
    """The refusal a person reads (C2), naming the phrases found."""
    if not phrases:
        return "Names no particular use: describe the specific intended use (C2)."
    quoted = ", ".join(f"'{p}'" for p in phrases)
    return (
        f"A blanket grant ({quoted}) names no particular use: describe the specific intended "
        "use (C2)."
    )
