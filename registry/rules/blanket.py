"""C2's blanket grants, as data: the phrases that grant everything and name no particular use.

Talent & Performance asks for "explicit and documented consent"; a grant of "any and all uses,
in all media now known or hereafter devised, throughout the universe, in perpetuity" is the
opposite of explicit. The test, in words:

- the description is read lower-cased, punctuation set aside; the ``PHRASES`` below are taken
  out, and so are ``FILLER`` words (who grants, whose material, what kind of consent, which
  media, a pointer to another document), numbers and names (a word capitalised inside a
  sentence: a company, a person, a brand);
- with a blanket phrase in it, what is left must name the use: a ``USE_WORDS`` word (scene,
  episode, stunt, trailer, ...) or at least ``MIN_PARTICULARS`` other words;
- without one, at least one word must be left.

So "Stunt double pass for episode 3, in perpetuity" and "Synthetic voice for ADR" are specific,
while "Any and all uses by Acme Studios LLC", "Full buyout" and "See attached contract" are not.

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
    (
        "any project",
        r"(for |in |across )?(any|every|all|future) (other )?(projects?|productions?|films?"
        r"|programmes?|programs?|shows?|works?)",
    ),
    ("in any manner", r"in any (manner|way|form|medium)( whatsoever)?"),
    ("without limitation", r"without (any )?(limitation|restriction)s?|no limits?"),
    ("all media", r"(in )?(all|any) (media|mediums)"),
    ("worldwide", r"world ?wide|universe ?wide|in all territories"),
    ("irrevocable", r"irrevocabl[ey]"),
    ("full buyout", r"(full |total |complete )?buy ?outs?"),
    ("unlimited", r"unlimited|unrestricted|blanket|whatsoever|everything"),
)

# Words that never name a particular use: who grants, whose material, what kind of consent,
# which media (a medium is not a use), a pointer to another document.
_FILLER_WORDS = """
    a an the and or of for in on to by with as at from into across any all each every other such
    i me we he she they my our his her their its this that these those which who whom whose
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
    create creates make makes made exploit exploits exploitation reproduce distribute
    including include includes whether now hereafter known time no limit limits
    film films television tv advertising advertisements merchandising merchandise video videos
    game games print radio internet online streaming theatrical publicity
    see per attached contract contracts agreement agreements exhibit schedule clause clauses
    rider annex appendix addendum memo deal section paragraph dated signed
    n na tbd tbc none general
"""
FILLER: frozenset[str] = frozenset(_FILLER_WORDS.split())

# Words that name a particular use of a performance: what a real consent describes.
_USE_WORDS = """
    scene scenes episode episodes ep shot shots sequence sequences stunt stunts double doubles
    reshoot reshoots pickup pickups adr dub dubbing dubbed voiceover narration dialogue lines
    trailer trailers teaser teasers promo promos poster posters flashback flashbacks montage
    cutscene cutscenes take takes reel crowd background memorial finale pilot season chapter
    clip clips interview song cameo rehearsal
"""
USE_WORDS: frozenset[str] = frozenset(_USE_WORDS.split())
MIN_PARTICULARS = 2

_COMPILED = tuple((name, re.compile(rf"\b(?:{pattern})\b")) for name, pattern in PHRASES)
# Any phrase at all: one pass that spares the fourteen when none is there (most descriptions).
_ANY = re.compile(r"\b(?:" + "|".join(f"(?:{pattern})" for _, pattern in PHRASES) + r")\b")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_TOKENS = re.compile(r"[A-Za-z0-9]+|[.!?]")


def _normalise(description: str) -> str:
    return " ".join(_NON_WORD.sub(" ", description.lower()).split())


def _names(description: str) -> frozenset[str]:
    """Words capitalised inside a sentence (not all capitals): names of companies, people."""
    found: set[str] = set()
    start = True
    for token in _TOKENS.findall(description):
        if token in ".!?":
            start = True
            continue
        if not start and token[0].isupper() and not token.isupper():
            found.add(token.lower())
        start = False
    return frozenset(found)


@lru_cache(maxsize=8192)
def blanket_grant(description: str) -> tuple[str, ...] | None:
    """None when the description names a particular use; otherwise the blanket phrases it is
    built on, as people read them (an empty tuple: it names no particular use at all)."""
    text = _normalise(description)
    found: list[str] = []
    if _ANY.search(text) is not None:
        for name, pattern in _COMPILED:
            text, count = pattern.subn(" ", text)
            if count:
                found.append(name)
    names = _names(description)
    words = text.split()
    particulars = [w for w in words if w not in FILLER and w not in names and not w.isdigit()]
    if found:
        if any(w in USE_WORDS for w in words) or len(particulars) >= MIN_PARTICULARS:
            return None
        return tuple(found)
    return None if particulars else ()


def blanket_message(phrases: tuple[str, ...]) -> str:
    """The refusal a person reads (C2), naming the phrases found."""
    if not phrases:
        return "Names no particular use: describe the specific intended use (C2)."
    quoted = ", ".join(f"'{p}'" for p in phrases)
    return (
        f"A blanket grant ({quoted}) names no particular use: describe the specific intended "
        "use (C2)."
    )
