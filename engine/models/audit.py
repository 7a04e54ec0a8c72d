"""The append-only audit trail: one row per state change, never updated or deleted."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, ForeignKey, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime


class Event(Base):
    __tablename__ = "event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))
    action: Mapped[str] = mapped_column(String(60))
    dossier_id: Mapped[Optional[int]] = mapped_column(ForeignKey("dossier.id"), index=True)
    instance_id: Mapped[Optional[int]] = mapped_column(ForeignKey("process_instance.id"))
    work_item_id: Mapped[Optional[int]] = mapped_column(ForeignKey("work_item.id"))
    status_before: Mapped[Optional[int]] = mapped_column(SmallInteger)
    status_after: Mapped[Optional[int]] = mapped_column(SmallInteger)
    detail: Mapped[Optional[dict]] = mapped_column(JSON)
