"""Letters sent to the citizen while a dossier is processed: Mẫu 02, 04 and 05, one row each."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime


class DossierLetter(Base):
    """One issued letter and what it says; printed from here, never from the audit trail."""

    __tablename__ = "dossier_letter"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # supplement_request (Mẫu 02) / apology (Mẫu 04) / stop (Mẫu 05)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    issued_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))
    on_behalf_of_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))  # signed by a delegate
    signature_form: Mapped[Optional[str]] = mapped_column(String(5))  # TUQ. / KT. / TL. / Q. when delegated
    # supplement_request: missing, reason; apology: reason, due_at, extended_due_at (ISO instants); stop: reason, stage
    content: Mapped[dict] = mapped_column(JSON)
