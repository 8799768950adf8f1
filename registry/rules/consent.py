"""Consent validity, C1-C5 (see `table.CONDITIONS`), and which valid consents cover a request.

Purpose equivalences (DOMAIN.md): `synthetic_voice` counts as `digital_replica` for the voice
medium; `visual_adr` counts as `digital_alteration` for new dialogue; `re_ageing` counts as
`digital_alteration` for a re-ageing change. The engine asks for the specific need (e.g.
`visual_adr` for new dialogue) and `accepted_purposes` says which consent purposes meet it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from types import MappingProxyType

from registry.rules import labels
from registry.rules.blanket import blanket_grant
from registry.rules.facts import ConsentFact, PerformerFact
from registry.rules.vocabulary import MEDIA, PURPOSES, SIGNERS

_EMPTY: frozenset[str] = frozenset()


def _accepted_table() -> Mapping[tuple[str, str], frozenset[str]]:
    table: dict[tuple[str, str], frozenset[str]] = {}
    for medium in MEDIA:
        table["digital_replica", medium] = frozenset({"digital_replica"})
        table["digital_alteration", medium] = frozenset({"digital_alteration"})
        table["visual_adr", medium] = frozenset({"visual_adr", "digital_alteration"})
        table["re_ageing", medium] = frozenset({"re_ageing", "digital_alteration"})
        table["model_training", medium] = frozenset({"model_training"})
        table["model_reuse", medium] = frozenset({"model_reuse"})
    # synthetic_voice is a voice-only purpose and counts as digital_replica there.
    table["digital_replica", "voice"] = frozenset({"digital_replica", "synthetic_voice"})
    table["synthetic_voice", "voice"] = frozenset({"synthetic_voice", "digital_replica"})
    return MappingProxyType(table)


ACCEPTED_PURPOSES = _accepted_table()
# purpose -> the consent purposes that meet it for at least one medium
_MEETS_SOMEWHERE: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        purpose: frozenset().union(*(ACCEPTED_PURPOSES.get((purpose, m), ()) for m in MEDIA))
        for purpose in PURPOSES
    }
)

# C3: guild values that mean "not a guild member".
_NO_GUILD = frozenset({"", "none", "n/a"})
_SIGNER_SET = frozenset(SIGNERS)
_PURPOSE_SET = frozenset(PURPOSES)


def accepted_purposes(purpose: str, medium: str) -> frozenset[str]:
    """The consent purposes that meet `purpose` for `medium` (empty when nothing can)."""
    return ACCEPTED_PURPOSES.get((purpose, medium), _EMPTY)


def is_guild_member(performer: PerformerFact) -> bool:
    return performer.guild is not None and performer.guild.strip().lower() not in _NO_GUILD


def _specific(description: str) -> bool:
    """C2: the description names a particular use (``blanket.blanket_grant``)."""
    return blanket_grant(description) is None


def _documented(evidence_sha256: str | None) -> bool:
    return evidence_sha256 is not None and bool(evidence_sha256.strip())


def _aware(consent: ConsentFact) -> bool:
    return (
        consent.effective_from.tzinfo is not None
        and consent.expires_at.tzinfo is not None
        and (consent.revoked_at is None or consent.revoked_at.tzinfo is not None)
    )


def holds(
    consent: ConsentFact, performer: PerformerFact, production_id: str, now: datetime
) -> bool:
    """The hot path: C1 (who and where) and C2-C5, without building any explanation.

    `now` must be aware (the engine checks it once per decision)."""
    if consent.performer_id != performer.id or consent.production_id != production_id:
        return False
    revoked_at = consent.revoked_at
    if (
        consent.superseded
        or consent.effective_from.tzinfo is None
        or consent.expires_at.tzinfo is None
        or not (consent.effective_from <= now < consent.expires_at)
    ):
        return False
    if revoked_at is not None and (revoked_at.tzinfo is None or revoked_at <= now):
        return False
    evidence = consent.evidence_sha256
    if not evidence or evidence.isspace() or not _specific(consent.description):
        return False
    if not consent.guild_compliant and is_guild_member(performer):
        return False
    if performer.deceased:
        return consent.signed_by == "estate"
    return consent.signed_by in _SIGNER_SET and consent.signed_by != "estate"


def covers(consent: ConsentFact, purpose: str, medium: str) -> bool:
    """C1 scope for one medium: the medium is listed and a purpose meeting `purpose` is too."""
    return medium in consent.media and not accepted_purposes(purpose, medium).isdisjoint(
        consent.purposes
    )


def _scope_problems(consent: ConsentFact, purpose: str, media: Iterable[str]) -> list[str]:
    problems: list[str] = []
    if purpose not in _PURPOSE_SET:
        return [f"C1: {purpose!r} is not a known purpose"]
    wanted = sorted(media)
    if not wanted:
        if not any(covers(consent, purpose, m) for m in consent.media):
            problems.append(f"C1: does not cover {purpose}")
        return problems
    for medium in wanted:
        if medium not in consent.media:
            problems.append(f"C1: does not cover the {medium} medium")
        elif not covers(consent, purpose, medium):
            problems.append(f"C1: does not cover {purpose} for {medium}")
    return problems


def consent_problems(
    consent: ConsentFact,
    performer: PerformerFact | None,
    production_id: str,
    purpose: str,
    media: Iterable[str],
    now: datetime,
) -> tuple[str, ...]:
    """Every C1-C5 failure of `consent` for this performer, production, purpose and media.

    An empty tuple means the consent is valid for it. Each item starts with its condition ID.
    Empty `media` asks only whether the purpose is covered for some medium of the consent.
    """
    problems: list[str] = []
    # C1 scope
    if performer is None:
        problems.append("C1: the performer is unknown")
    elif consent.performer_id != performer.id:
        problems.append(f"C1: given by another performer, not {labels.performer(performer)}")
    if consent.production_id != production_id:
        problems.append("C1: given for another production (no blanket consents across productions)")
    problems.extend(_scope_problems(consent, purpose, media))
    # C2 specific
    blanket = blanket_grant(consent.description)
    if blanket is not None:
        found = ", ".join(f"'{p}'" for p in blanket)
        problems.append(
            f"C2: a blanket grant ({found}), naming no particular use"
            if found
            else "C2: no specific description of the intended use"
        )
    if not _documented(consent.evidence_sha256):
        problems.append("C2: not documented (no evidence hash)")
    # C3 guild
    if performer is not None and is_guild_member(performer) and not consent.guild_compliant:
        problems.append(f"C3: not marked as complying with {performer.guild} requirements")
    # C4 time
    if now.tzinfo is None or not _aware(consent):
        problems.append("C4: times are not timezone-aware")
    else:
        if consent.superseded:
            problems.append(f"C4: version {consent.version} is superseded by an amendment")
        if consent.revoked_at is not None and consent.revoked_at <= now:
            problems.append("C4: revoked")
        if now < consent.effective_from:
            problems.append("C4: not yet effective")
        if now >= consent.expires_at:
            problems.append("C4: expired")
    # C5 estate
    if consent.signed_by not in _SIGNER_SET:
        problems.append(f"C5: signed by {consent.signed_by!r}, not a known signer")
    elif performer is not None and performer.deceased and consent.signed_by != "estate":
        problems.append("C5: the performer is deceased and the estate did not sign")
    elif performer is not None and not performer.deceased and consent.signed_by == "estate":
        problems.append("C5: signed by an estate, but the performer is living")
    return tuple(problems)


def _rank(consent: ConsentFact) -> tuple[datetime, str, int]:
    return (consent.expires_at, consent.id, consent.version)


def cover(
    consents: Iterable[ConsentFact],
    performer: PerformerFact,
    production_id: str,
    purpose: str,
    media: tuple[str, ...],
    now: datetime,
) -> tuple[tuple[ConsentFact, ...], tuple[str, ...]]:
    """Pick valid consents meeting `purpose` for each medium of `media` (given sorted).

    Several consents may together cover the media (e.g. digital_replica for likeness and
    synthetic_voice for voice). For each medium the covering consent that lasts longest is
    chosen (ties broken by id, then version), so the choice never depends on the input order.
    Returns (the chosen consents, the media left uncovered).
    """
    who = performer.id
    valid = [
        c
        for c in consents
        if c.performer_id == who
        and c.production_id == production_id
        and holds(c, performer, production_id, now)
    ]
    if not valid:
        return (), media
    chosen: dict[int, ConsentFact] = {}  # by identity, in the order first chosen
    uncovered: list[str] = []
    for medium in media:
        accepted = ACCEPTED_PURPOSES.get((purpose, medium), _EMPTY)
        best: ConsentFact | None = None
        for consent in valid:
            if (
                medium in consent.media
                and not accepted.isdisjoint(consent.purposes)
                and (best is None or _rank(consent) > _rank(best))
            ):
                best = consent
        if best is None:
            uncovered.append(medium)
        else:
            chosen[id(best)] = best
    return tuple(chosen.values()), tuple(uncovered)


def latest_versions(consents: Iterable[ConsentFact]) -> tuple[ConsentFact, ...]:
    """For recorded consents (a model's training, a replica's creation): the versions that count.

    Of each consent id only the highest version given counts; an older version that a newer
    one given here supersedes is dropped. A superseded version with no newer one given stays
    and fails C4: superseded with no valid successor is invalid.
    """
    items = tuple(consents)
    top: dict[str, int] = {}
    for consent in items:
        if consent.version > top.get(consent.id, -(2**62)):
            top[consent.id] = consent.version
    if len(top) == len(items):
        return items
    return tuple(c for c in items if c.version == top[c.id])


def near_misses(
    consents: Iterable[ConsentFact],
    performer: PerformerFact,
    production_id: str,
    purpose: str,
    media: tuple[str, ...],
    now: datetime,
) -> str:
    """Why candidate consents of this performer and production that name the purpose failed.

    Only for the reason of a deny (off the hot path); "" when there is no such candidate.
    """
    notes: list[str] = []
    for consent in consents:
        if consent.performer_id != performer.id or consent.production_id != production_id:
            continue
        if _MEETS_SOMEWHERE.get(purpose, _EMPTY).isdisjoint(consent.purposes):
            continue
        problems = consent_problems(consent, performer, production_id, purpose, media, now)
        if problems:
            notes.append(f"{labels.consent(consent)}: {'; '.join(problems)}")
    return f" ({' | '.join(sorted(set(notes)))})" if notes else ""
