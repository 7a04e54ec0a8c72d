"""Queue a citizen notification for a dossier event, rendered from the notification templates."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from engine.models import Dossier
from engine.onestop.notices import queue_notification, render


def queue_for_dossier(session: Session, dossier: Dossier, kind: str, now: datetime, **values) -> None:
    subject, body = render(kind, dossier, **values)
    queue_notification(session, dossier=dossier, kind=kind, subject=subject, body=body, now=now)
