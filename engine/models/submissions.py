"""Repeat-proof submissions: the desk form's one-time tokens and the API's idempotency keys, with what they made."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime


class FormSubmission(Base):
    """A reception form's one-time token, claimed by its first POST; a repeat shows what that POST made."""

    __tablename__ = "form_submission"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    dossier_id: Mapped[Optional[int]] = mapped_column(ForeignKey("dossier.id"))
    intake_slip_id: Mapped[Optional[int]] = mapped_column(ForeignKey("intake_slip.id"))


class IdempotencyKey(Base):
    """An `Idempotency-Key` of POST /dossiers, per token holder: the request's hash and the answer it got."""

    __tablename__ = "idempotency_key"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))  # sha256 of the canonical JSON body
    response: Mapped[Optional[dict]] = mapped_column(JSON)  # the 201 body, replayed to a repeat
    dossier_id: Mapped[Optional[int]] = mapped_column(ForeignKey("dossier.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
