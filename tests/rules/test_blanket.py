"""C2: which descriptions are blanket grants. Real contract phrasings both ways: none of the
first list may count, every one of the second must (they were misjudged once, or are what
reps really write)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.rules import blanket
from registry.rules.blanket import blanket_grant, blanket_message

BLANKET = [
    "Any and all uses in perpetuity (see contract)",
    "Any and all uses by Acme Studios LLC",
    "Any and all uses of my likeness by Netflix, Inc. in perpetuity",
    "Any and all uses. Signed 2026-01-01",
    "All uses; no limits",
    "Full buyout",
    "The studio may create and use a digital replica of me for any project",
    "Unlimited digital replica use across all Netflix projects",
    "Likeness and voice in any and all media, including without limitation film, television, "
    "advertising, merchandising and video games, in perpetuity",
    "See attached contract",
    "Per clause 12 of the agreement",
    "any use",
    "tbd",
    "Any and all uses in all media now known or hereafter devised throughout the universe in "
    "perpetuity",
    "USE OF MY LIKENESS FOR ANY-AND-ALL PURPOSES, FOREVER!",
    "Digital replica of my likeness, for any purpose whatsoever",
    "Use of my name, likeness and voice by the studio and its licensees",
    "Digital replica of my likeness and voice, worldwide, forever",
]
SPECIFIC = [
    "Stunt double pass for episode 3, in perpetuity",
    "Synthetic voice for ADR",
    "Digital replica for the trailer",
    "Likeness for the poster",
    "Stunt work",
    "Crowd replica",
    "Re-ageing",
    "Digital double of the lead for the rooftop stunt, episode 3",
    "Crowd-scene replica for the harbour festival, background only",
    "Training a voice clean-up model on the GO-02 ADR sessions",
    "Visual ADR for the rewritten dock confrontation (scene 18), two lines",
    "Cosmetic and continuity alteration of the orchard wedding scenes in post",
    "Lip-sync fixes for the wedding dinner, in perpetuity",
    "Digital double for the harbour stunt sequence, scenes 12-14",
    "Replica of face and voice for the ADR pick-ups of episode 4, scene 12",
    "Sky replacement behind the lead in the rooftop scenes of episode 2",
    "Voice match for the dubbed episode 4 scene",
    "Rooftop stunt double",
    "Archive-based digital replica for the memorial scene of the final episode",
    "Training the Night Harbour voice clean-up model on Jonah Vale's ADR sessions",
]


@pytest.mark.parametrize("description", BLANKET)
def test_a_blanket_grant_is_refused(description: str) -> None:
    assert blanket_grant(description) is not None


@pytest.mark.parametrize("description", SPECIFIC)
def test_a_specific_description_stands(description: str) -> None:
    assert blanket_grant(description) is None


def test_the_refusal_names_each_phrase_found_and_says_what_to_do() -> None:
    found = blanket_grant("Any and all uses, throughout the universe")
    assert found == ("throughout the universe", "any and all uses")
    assert blanket_message(found) == (
        "A blanket grant ('throughout the universe', 'any and all uses') names no particular "
        "use: describe the specific intended use (C2)."
    )
    assert blanket_grant("See attached contract") == ()
    assert "Names no particular use" in blanket_message(())


_VOCABULARY = [
    "any", "and", "all", "uses", "in", "perpetuity", "throughout", "the", "universe", "media",
    "now", "known", "or", "hereafter", "devised", "scene", "12", "stunt", "double", "Acme",
    "worldwide", "buyout", "full", "for", "purpose", "projects", "voice", "episode", "forever",
]  # fmt: skip


@settings(max_examples=500)
@given(st.lists(st.sampled_from(_VOCABULARY), max_size=14).map(" ".join))
def test_the_one_pass_shortcut_never_changes_an_answer(description: str) -> None:
    """When no phrase is found in one pass, none of the fourteen would have matched either."""
    text = " ".join(re.sub(r"[^a-z0-9]+", " ", description.lower()).split())
    each = [name for name, pattern in blanket._COMPILED if pattern.search(text)]
    assert (blanket._ANY.search(text) is None) is (not each)
