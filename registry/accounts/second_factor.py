"""Second factors: TOTP authenticators (RFC 6238, pyotp) and one-time recovery codes.

Admin and legal (``SECOND_FACTOR_ROLES``), and anyone who has enrolled one, give a code from
their authenticator app after their password to sign in to the pages; API tokens are
unaffected. At their first sign-in they enrol: the page shows a new secret (and its
``otpauth://`` link), a first code from the app confirms it, and ten recovery codes are shown
once. Each recovery code signs in once, in place of an authenticator code.

- A code is accepted for the current 30-second step or the one either side (clock drift), and
  never for a step at or before the last one accepted for that user: a code seen once (over a
  shoulder, in a proxy log) cannot be used again. The step is claimed by one conditional
  UPDATE, so two requests racing with the same code cannot both win.
- Secrets are stored encrypted (AES-GCM, bound to the user's row) under a key derived from the
  app's ``SECRET_KEY`` (HKDF): a copy of the database alone does not give them away. Secrets
  under a key in ``SECRET_KEY_FALLBACKS`` still decrypt and are encrypted again under the
  current one when next used.
- Recovery codes are 12 characters from a 31-letter alphabet (about 59 bits), each stored as a
  salted SHA-256, and marked used by a conditional UPDATE.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

import pyotp
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import delete, func, select, update

from registry.accounts.models import SECOND_FACTOR_ROLES, RecoveryCode, SecondFactor, User
from registry.appctx import setting
from registry.audit.trail import record
from registry.core.clock import utcnow
from registry.core.crypto import ciphertext_key_id, decrypt_field, encrypt_field, field_aad
from registry.core.ids import new_id
from registry.extensions import db

RECOVERY_CODES = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i
RECOVERY_LENGTH = 12
DRIFT_STEPS = 1


# -- the secrets' key ------------------------------------------------------------------------


def _derive(secret_key: str | bytes) -> tuple[str, bytes]:
    raw = secret_key.encode() if isinstance(secret_key, str) else secret_key
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"registry second-factor secrets"
    ).derive(raw)
    return "sk-" + hashlib.sha256(key).hexdigest()[:16], key


def _keys() -> list[tuple[str, bytes]]:
    """The current key first, then those of ``SECRET_KEY_FALLBACKS``."""
    found = [current_app.config["SECRET_KEY"]]
    found.extend(current_app.config.get("SECRET_KEY_FALLBACKS") or ())
    return [_derive(k) for k in found if k]


def _aad(user_id: str) -> bytes:
    return field_aad("second_factors", "secret_ct", user_id)


def _seal(user_id: str, secret: str) -> bytes:
    kid, key = _keys()[0]
    return encrypt_field(kid, key, secret.encode(), _aad(user_id))


def _open(row: SecondFactor) -> str:
    keys = dict(_keys())

    def key_for(kid: str) -> bytes:
        return keys[kid]

    try:
        secret = decrypt_field(row.secret_ct, key_for, _aad(row.user_id)).decode()
    except KeyError as exc:
        raise RuntimeError(
            "a second factor's secret was sealed under a secret key this app no longer has "
            "(keep the old one in REGISTRY_SECRET_KEY_FALLBACKS, or reset the user's second "
            "factor with `flask users reset-second-factor`)"
        ) from exc
    if ciphertext_key_id(row.secret_ct) != _keys()[0][0]:
        row.secret_ct = _seal(row.user_id, secret)
    return secret


# -- enrolment -------------------------------------------------------------------------------


def _row(user: User) -> SecondFactor | None:
    return db.session.get(SecondFactor, user.id)


def enrolled(user: User) -> bool:
    row = _row(user)
    return row is not None and row.confirmed_at is not None


def required(user: User) -> bool:
    """Whether the user signs in to the pages with a second factor."""
    return user.role in SECOND_FACTOR_ROLES or enrolled(user)


def start_enrolment(user: User) -> str:
    """The secret the user is to add to an authenticator app: a new one, or the one an
    enrolment not yet confirmed showed before (the app may hold it already)."""
    row = _row(user)
    if row is not None:
        if row.confirmed_at is not None:
            raise ValueError("the user has a confirmed second factor already")
        return _open(row)
    secret = pyotp.random_base32()
    db.session.add(
        SecondFactor(user_id=user.id, secret_ct=_seal(user.id, secret), created_at=utcnow())
    )
    db.session.flush()
    return secret


def enrolment_secret(user: User) -> str | None:
    """The secret of the user's enrolment not yet confirmed, if any."""
    row = _row(user)
    if row is None or row.confirmed_at is not None:
        return None
    return _open(row)


def provisioning_uri(user: User, secret: str) -> str:
    """The ``otpauth://totp/...`` link authenticator apps take (also as a QR code)."""
    return pyotp.TOTP(secret).provisioning_uri(
        name=user.email, issuer_name=str(setting("SECOND_FACTOR_ISSUER"))
    )


def _step(secret: str, code: str, at: datetime) -> int | None:
    """The time step ``code`` is right for, within the drift allowed, if any."""
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now = totp.timecode(at)
    found = None
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            found = step
    return found


def _claim(user: User, step: int, *, confirming: bool) -> bool:
    """Mark ``step`` used for the user, if no later or equal step was: True if this call did."""
    condition = (
        SecondFactor.confirmed_at.is_(None)
        if confirming
        else SecondFactor.confirmed_at.is_not(None)
    )
    values: dict[str, object] = {"last_used_step": step}
    if confirming:
        values["confirmed_at"] = utcnow()
    result = db.session.execute(
        update(SecondFactor)
        .where(
            SecondFactor.user_id == user.id,
            condition,
            (SecondFactor.last_used_step.is_(None)) | (SecondFactor.last_used_step < step),
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1


def _clean(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def confirm_enrolment(user: User, code: str) -> list[str] | None:
    """Confirm the enrolment with a first code from the app: the new recovery codes (shown
    once), or None if the code is not right."""
    row = _row(user)
    if row is None or row.confirmed_at is not None:
        return None
    step = _step(_open(row), _clean(code), utcnow())
    if step is None or not _claim(user, step, confirming=True):
        return None
    db.session.expire(row)
    record("user.second_factor_enrolled", "user", user.id, actor_id=user.id)
    return new_recovery_codes(user, actor_id=user.id)


def enrol_now(user: User, *, actor_id: str | None) -> str:
    """Enrol a confirmed authenticator at once and return its secret (the demo's users, whose
    secrets are printed next to their logins)."""
    row = _row(user)
    if row is not None:
        if row.confirmed_at is not None:
            return _open(row)
        db.session.delete(row)
        db.session.flush()
    secret = pyotp.random_base32()
    db.session.add(
        SecondFactor(
            user_id=user.id,
            secret_ct=_seal(user.id, secret),
            created_at=utcnow(),
            confirmed_at=utcnow(),
        )
    )
    db.session.flush()
    record("user.second_factor_enrolled", "user", user.id, actor_id=actor_id)
    return secret


def secret_of(user: User) -> str | None:
    """The secret of the user's confirmed authenticator (for the demo's printout)."""
    row = _row(user)
    if row is None or row.confirmed_at is None:
        return None
    return _open(row)


def reset(user: User, *, actor_id: str | None) -> bool:
    """Forget the user's authenticator and recovery codes: they enrol again at their next
    sign-in (admin and legal must). False if there was none."""
    row = _row(user)
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    if row is None:
        return False
    db.session.delete(row)
    db.session.flush()
    record("user.second_factor_reset", "user", user.id, actor_id=actor_id)
    return True


# -- signing in ------------------------------------------------------------------------------


def verify(user: User, code: str, *, recovery_code: bool = True) -> str | None:
    """Check a code given at sign-in: ``"totp"`` or (unless ``recovery_code`` is False)
    ``"recovery_code"`` when it is right (and now used up), None when it is not."""
    row = _row(user)
    if row is None or row.confirmed_at is None:
        return None
    cleaned = _clean(code)
    step = _step(_open(row), cleaned, utcnow())
    if step is not None:
        if not _claim(user, step, confirming=False):
            return None
        db.session.expire(row)
        return "totp"
    if recovery_code and len(cleaned) == RECOVERY_LENGTH and _spend_recovery_code(user, cleaned):
        return "recovery_code"
    return None


# -- recovery codes --------------------------------------------------------------------------


def _hash_code(code: str, salt: str) -> str:
    return salt + "$" + hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()


def new_recovery_codes(user: User, *, actor_id: str | None) -> list[str]:
    """Ten new recovery codes, replacing any earlier ones; shown once, stored only hashed."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [
        "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
        for _ in range(RECOVERY_CODES)
    ]
    now = utcnow()
    for code in codes:
        db.session.add(
            RecoveryCode(
                id=new_id("rcv"),
                user_id=user.id,
                code_hash=_hash_code(code, secrets.token_hex(8)),
                created_at=now,
            )
        )
    db.session.flush()
    record("user.recovery_codes_issued", "user", user.id, {"count": len(codes)}, actor_id=actor_id)
    return [f"{c[0:4]}-{c[4:8]}-{c[8:12]}" for c in codes]


def _spend_recovery_code(user: User, code: str) -> bool:
    rows = db.session.execute(
        select(RecoveryCode.id, RecoveryCode.code_hash).where(
            RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
        )
    ).all()
    for code_id, stored in rows:
        salt = stored.split("$", 1)[0]
        if hmac.compare_digest(_hash_code(code, salt), stored):
            result = db.session.execute(
                update(RecoveryCode)
                .where(RecoveryCode.id == code_id, RecoveryCode.used_at.is_(None))
                .values(used_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            if int(getattr(result, "rowcount", 0) or 0) != 1:
                return False
            record(
                "user.recovery_code_used",
                "user",
                user.id,
                {"left": recovery_codes_left(user)},
                actor_id=user.id,
            )
            return True
    return False


def recovery_codes_left(user: User) -> int:
    return int(
        db.session.execute(
            select(func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        ).scalar_one()
    )
