"""Consent receipts signed after recording: for versions stored without one (bulk imports).

A bulk import validates, stores and audits its consents and leaves their receipts to be signed
afterwards, since signing one receipt per row would be most of an import's time. Nothing is
lost by waiting: a receipt's payload is fixed by the stored version (``receipts.consent_payload``
describes the version as recorded), its audit event already commits to that payload's SHA-256,
and Ed25519 signatures are deterministic, so the receipt signed later is, with the same key,
byte for byte the one the import would have signed.

The scheduler's ``receipts`` job (and ``flask consents issue-receipts``) stores them in batches;
until then every read signs the missing ones on the fly (``sign_missing``), so the API and the
pages never show a consent without its receipt. The import records the range of version ids it
wrote (``ReceiptBacklog``, one row per import; ids sort by creation time), and the job walks
those ranges on the primary key, so no version carries an index entry just for waiting.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import bindparam, delete, func, select, tuple_, update

from registry.audit.trail import record
from registry.consents import receipts
from registry.consents.models import ConsentVersion, ReceiptBacklog
from registry.extensions import db
from registry.performers.models import Performer
from registry.productions.models import Production


def sign_missing(versions: Sequence[Any]) -> dict[str, str]:
    """The receipts of those of ``versions`` (ORM versions, or rows with the columns of
    ``_PAYLOAD_COLUMNS``) read without one: version id -> JWS, stored meanwhile or signed now.

    Receipts stored since and the performers' names are read in one statement: a rename stores
    its performer's pending receipts (under the old name) in the transaction that changes the
    name, so a receipt signed here always names the performer as its audit event committed to.
    """
    missing = [v for v in versions if v.receipt is None]
    if not missing:
        return {}
    rows = db.session.execute(
        select(ConsentVersion.id, ConsentVersion.receipt, Performer.id, Performer.professional_name)
        .join(Performer, Performer.id == ConsentVersion.performer_id)
        .where(ConsentVersion.id.in_([v.id for v in missing]))
    ).tuples()
    stored: dict[str, str] = {}
    names: dict[str, str] = {}
    for vid, receipt, performer_id, name in rows:
        if receipt is not None:
            stored[vid] = receipt
        names[performer_id] = name
    unsigned = [v for v in missing if v.id not in stored]
    return {**stored, **{vid: receipts.sign(p) for vid, p in _payloads(unsigned, names).items()}}


def _payloads(
    versions: Sequence[Any], names: Mapping[str, str] | None = None
) -> dict[str, dict[str, Any]]:
    """The receipt payloads of those of ``versions`` that have no receipt; ``names``:
    performer id -> professional name (read here when not given)."""
    missing = [v for v in versions if v.receipt is None]
    if not missing:
        return {}
    if names is None:
        names = dict(
            db.session.execute(
                select(Performer.id, Performer.professional_name).where(
                    Performer.id.in_({v.performer_id for v in missing})
                )
            )
            .tuples()
            .all()
        )
    productions = {
        row.id: row
        for row in db.session.execute(
            select(Production.id, Production.code, Production.title).where(
                Production.id.in_({v.production_id for v in missing})
            )
        )
    }
    earlier = {(v.consent_id, v.version - 1) for v in missing if v.version > 1}
    previous: dict[tuple[str, int], str] = {}
    if earlier:
        previous = {
            (consent_id, number): vid
            for vid, consent_id, number in db.session.execute(
                select(ConsentVersion.id, ConsentVersion.consent_id, ConsentVersion.version).where(
                    tuple_(ConsentVersion.consent_id, ConsentVersion.version).in_(earlier)
                )
            ).tuples()
        }
    issuer = _issuers([v.id for v in missing])
    return {
        v.id: receipts.consent_payload(
            v,
            professional_name=names[v.performer_id],
            production=productions[v.production_id],
            supersedes=previous.get((v.consent_id, v.version - 1)),
            issuer=issuer(v.id),
        )
        for v in missing
    }


def _issuers(version_ids: Sequence[str]) -> Callable[[str], str | None]:
    """The issuer each import committed its receipts to, by version id (None: the current
    BASE_URL), from the backlog ranges that overlap ``version_ids`` (one per import whose
    receipts are not all signed; imports that ran at the same time may overlap, and then name
    the same deployment)."""
    found = db.session.execute(
        select(
            ReceiptBacklog.first_version_id,
            ReceiptBacklog.last_version_id,
            ReceiptBacklog.issuer,
        ).where(
            ReceiptBacklog.issuer.is_not(None),
            ReceiptBacklog.last_version_id >= min(version_ids),
            ReceiptBacklog.first_version_id <= max(version_ids),
        )
    ).all()

    def issuer(version_id: str) -> str | None:
        for first, last, name in found:
            if first <= version_id <= last:
                return str(name)
        return None

    return issuer


def receipt_of(version: ConsentVersion) -> str:
    """The version's receipt: the stored one, or the same receipt signed now."""
    return version.receipt or sign_missing([version])[version.id]


def pending_count() -> int:
    """How many versions in the backlog's ranges still have no receipt."""
    total = 0
    for first, last in db.session.execute(
        select(ReceiptBacklog.first_version_id, ReceiptBacklog.last_version_id)
    ).tuples():
        total += db.session.execute(
            select(func.count()).select_from(ConsentVersion).where(*_in_range(first, last))
        ).scalar_one()
    return total


def _in_range(first: str, last: str) -> tuple[Any, ...]:
    return (
        ConsentVersion.id >= first,
        ConsentVersion.id <= last,
        ConsentVersion.receipt.is_(None),
    )


_PAYLOAD_COLUMNS = (
    ConsentVersion.id,
    ConsentVersion.consent_id,
    ConsentVersion.version,
    ConsentVersion.performer_id,
    ConsentVersion.production_id,
    ConsentVersion.purposes,
    ConsentVersion.media,
    ConsentVersion.description,
    ConsentVersion.restrictions,
    ConsentVersion.signed_by,
    ConsentVersion.signed_at,
    ConsentVersion.guild_compliant,
    ConsentVersion.evidence_sha256,
    ConsentVersion.effective_from,
    ConsentVersion.expires_at,
    ConsentVersion.created_at,
    ConsentVersion.receipt,
)
"""What a receipt's payload reads of a version (read as plain rows: no ORM objects needed)."""


_STORE = (
    update(ConsentVersion)
    .where(ConsentVersion.id == bindparam("vid"), ConsentVersion.receipt.is_(None))
    .values(receipt=bindparam("token"))
)


def issue_pending(limit: int = 2000) -> int:
    """Sign and store the receipts of up to ``limit`` versions of the backlog still without one,
    oldest import first and in id order, with one audit event naming them; a backlog range
    left with none is deleted. Returns how many were stored; the caller commits. Call it with no
    work of the session's pending: it ends the session's transaction after reading.

    The versions are read in a transaction of their own and signed outside any transaction, so
    that (on SQLite, where every transaction holds the write lock) the API waits only for the
    short UPDATE; one signed meanwhile by another process is left as it is."""
    rows: list[Any] = []
    done: list[int] = []  # backlog rows with nothing left after this batch
    progress: dict[int, str] = {}  # backlog row -> the last version id taken from it
    for backlog_id, first, last in db.session.execute(
        select(
            ReceiptBacklog.id, ReceiptBacklog.first_version_id, ReceiptBacklog.last_version_id
        ).order_by(ReceiptBacklog.id)
    ).tuples():
        wanted = limit - len(rows)
        found = db.session.execute(
            select(*_PAYLOAD_COLUMNS)
            .where(*_in_range(first, last))
            .order_by(ConsentVersion.id)
            .limit(wanted)
        ).all()
        rows.extend(found)
        if len(found) < wanted:
            done.append(backlog_id)
            continue
        progress[backlog_id] = found[-1].id
        break
    payloads = _payloads(rows)
    db.session.rollback()  # read only: end it before signing
    if not rows and not done:
        return 0  # an empty backlog: no write transaction at all
    signed = [{"vid": vid, "token": receipts.sign(p)} for vid, p in payloads.items()]
    connection = db.session.connection()
    if done:
        connection.execute(delete(ReceiptBacklog).where(ReceiptBacklog.id.in_(done)))
    for backlog_id, last_taken in progress.items():  # the next batch starts after it
        connection.execute(
            update(ReceiptBacklog)
            .where(ReceiptBacklog.id == backlog_id)
            .values(first_version_id=last_taken)
        )
    if not signed:
        return 0
    stored = connection.execute(_STORE, signed).rowcount
    record(
        "consent.receipts_issued",
        "consent",
        "bulk",
        {"version_ids": list(payloads)},
        actor_id=None,
    )
    return int(stored)


def issue_for_performer(performer_id: str) -> int:
    """Sign and store now the pending receipts of one performer's versions, in the caller's
    transaction: called before their professional name changes (holding ``names_lock``), so
    that every receipt names them as the audit event of its version committed to. Returns how
    many were stored. A performer has a few consents, so this is a few signatures (about 60 µs
    each); only a rename right after importing thousands for one performer signs more."""
    rows = db.session.execute(
        select(*_PAYLOAD_COLUMNS).where(
            ConsentVersion.performer_id == performer_id, ConsentVersion.receipt.is_(None)
        )
    ).all()
    signed = [{"vid": vid, "token": receipts.sign(p)} for vid, p in _payloads(rows).items()]
    if not signed:
        return 0
    stored = db.session.connection().execute(_STORE, signed).rowcount
    record(
        "consent.receipts_issued",
        "consent",
        "bulk",
        {"version_ids": [row["vid"] for row in signed]},
        actor_id=None,
    )
    return int(stored)


def issue_all(batch: int = 2000, progress: Callable[[int], object] | None = None) -> int:
    """Issue every pending receipt, committing after each batch (short write transactions)."""
    total = 0
    while True:
        try:
            issued = issue_pending(batch)
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
        total += issued
        if progress is not None:
            progress(issued)
        if issued < batch:
            return total
