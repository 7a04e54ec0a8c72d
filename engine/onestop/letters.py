"""The letters a dossier's citizen receives while it is processed, each written once with the change it
announces: Mẫu 02 (supplement_request), Mẫu 04 (apology) and Mẫu 05 (stop); printed and looked up from here."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import DossierLetter, WorkItem

KINDS = ("supplement_request", "apology", "stop")


def issue_letter(session: Session, dossier_id: int, kind: str, content: dict, now: datetime,
                 actor_id: int | None, from_step: bool = False) -> DossierLetter:
    """The letter as issued now by `actor_id`; `from_step` when a BPMN step's completion issues it, so the
    step tells whether a delegate signed it (TUQ., KT. … on behalf of the delegator)."""
    if kind not in KINDS:
        raise ValueError(f"unknown letter kind {kind!r}")
    behalf, form = _delegated_signature(session, dossier_id, actor_id, now) if from_step else (None, None)
    letter = DossierLetter(dossier_id=dossier_id, kind=kind, issued_at=now, issued_by_id=actor_id,
                           on_behalf_of_id=behalf, signature_form=form, content=content)
    session.add(letter)
    return letter


def latest_letter(session: Session, dossier_id: int, kind: str) -> DossierLetter | None:
    """The newest letter of the kind: the one in force (a later Mẫu 04 replaces the earlier date)."""
    return session.scalar(select(DossierLetter).where(DossierLetter.dossier_id == dossier_id,
                                                      DossierLetter.kind == kind)
                          .order_by(DossierLetter.issued_at.desc(), DossierLetter.id.desc()).limit(1))


def _delegated_signature(session: Session, dossier_id: int, actor_id: int | None,
                         now: datetime) -> tuple[int | None, str | None]:
    """The step whose completion issues the letter has just been stored as completed by the signer, now."""
    if actor_id is None:  # a timer or a message, not a person's step
        return None, None
    row = session.execute(select(WorkItem.on_behalf_of_id, WorkItem.signature_form)
                          .where(WorkItem.dossier_id == dossier_id, WorkItem.completed_at == now,
                                 WorkItem.completed_by_id == actor_id)
                          .order_by(WorkItem.id.desc()).limit(1)).first()
    return (row.on_behalf_of_id, row.signature_form) if row is not None else (None, None)
