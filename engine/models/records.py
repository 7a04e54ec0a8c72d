"""Records around a dossier: attached files, intake slips (Mẫu 02/03 at the desk), ratings, API tokens."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, ForeignKey, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime


class Attachment(Base):
    """A file of a dossier (a component scan, a result, a task's document); the bytes live outside the DB."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"), index=True)
    work_item_id: Mapped[Optional[int]] = mapped_column(ForeignKey("work_item.id"))
    kind: Mapped[str] = mapped_column(String(10), default="component")  # component / result / task
    component: Mapped[str] = mapped_column(String(500), default="")  # which thành phần hồ sơ it is
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class IntakeSlip(Base):
    """What the desk hands a citizen whose dossier it does not receive: Mẫu 02 (incomplete) or Mẫu 03 (refused)."""

    __tablename__ = "intake_slip"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))  # supplement (Mẫu 02) / refusal (Mẫu 03)
    number: Mapped[str] = mapped_column(String(80), unique=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedure.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    applicant: Mapped[dict] = mapped_column(JSON)
    channel: Mapped[str] = mapped_column(String(10))
    missing: Mapped[list] = mapped_column(JSON, default=list)  # every missing component, listed once
    reason: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    dossier_id: Mapped[Optional[int]] = mapped_column(ForeignKey("dossier.id"))  # an online dossier refused (Mẫu 03)


class Evaluation(Base):
    """A citizen's one rating of the service on a dossier."""

    __tablename__ = "evaluation"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"), unique=True)
    rating: Mapped[int] = mapped_column(SmallInteger)  # 3 hài lòng, 2 bình thường, 1 không hài lòng
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ApiToken(Base):
    """A bearer token for system integration; only its hash is kept."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
