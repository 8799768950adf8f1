"""Performers and their representatives.

Personal fields (legal name, e-mail, phone) are stored only as AES-GCM ciphertexts under the
performer's own data key (``data_key_id``), bound to row and column by associated data. The data
keys themselves live outside this database in the key store (wrapped by a master key), so that
destroying one (crypto-shredding) also makes every backup of this database unreadable for them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from registry.core.clock import utcnow
from registry.core.db import ID_LENGTH, Base


class Performer(Base):
    __tablename__ = "performers"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    professional_name: Mapped[str] = mapped_column(String(300), index=True)
    guild: Mapped[str | None] = mapped_column(String(100))
    deceased: Mapped[bool] = mapped_column(Boolean, default=False)
    legal_name_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    email_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    phone_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    data_key_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    erased_at: Mapped[datetime | None]
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PerformerRepresentative(Base):
    __tablename__ = "performer_representatives"

    performer_id: Mapped[str] = mapped_column(ForeignKey("performers.id"), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
