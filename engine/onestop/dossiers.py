"""A dossier by its code: found, locked for a check-then-write, shown to who may see it; its lookup secret."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.infra.audit import record_event
from engine.infra.db import is_postgresql
from engine.infra.errors import Concealed, Forbidden, NotFound
from engine.models import Dossier
from engine.org import access

SECRET_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I look-alikes


def get_dossier(session: Session, code: str) -> Dossier:
    dossier = session.scalar(select(Dossier).where(Dossier.code == code))
    if dossier is None:
        raise NotFound(f"Không có hồ sơ mã {code}.")
    return dossier


def view_dossier(session: Session, code: str, user_id: int, now: datetime | None = None) -> Dossier:
    """The dossier if the user may see it; NotFound when there is no such code, and the same answer (a logged
    refusal) when the user may not see it."""
    dossier = get_dossier(session, code)
    try:
        access.check_view_dossier(session, access.grants_of(session, user_id), dossier, now)
    except Forbidden as refusal:  # answered like a code never issued: codes are sequential, existence is news
        raise Concealed(f"Không có hồ sơ mã {code}.", refusal.message) from None
    return dossier


def lock_dossier(session: Session, dossier_id: int) -> Dossier:
    """The dossier row locked until the transaction ends and re-read, so a check-then-write on it cannot
    race another request's (FOR UPDATE on PostgreSQL; on SQLite a no-op write takes the database write lock)."""
    if not is_postgresql(session):
        session.execute(update(Dossier).where(Dossier.id == dossier_id).values(status=Dossier.status)
                        .execution_options(synchronize_session=False))
    dossier = session.scalar(select(Dossier).where(Dossier.id == dossier_id).with_for_update()
                             .execution_options(populate_existing=True))
    if dossier is None:
        raise NotFound(f"Không có hồ sơ #{dossier_id}.")
    return dossier


def new_secret() -> str:
    return "".join(secrets.choice(SECRET_ALPHABET) for _ in range(8))


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def may_reset_lookup_secret(session: Session, dossier: Dossier, user_id: int) -> bool:
    """Whether the user may issue a new lookup secret for the dossier (the receipt offers it only to them)."""
    return access.may_reissue_secret(access.grants_of(session, user_id), dossier)


def reset_lookup_secret(session: Session, code: str, actor_id: int, now: datetime) -> str:
    """A new lookup secret for a reprinted receipt (only the hash is kept, so the old one cannot be shown);
    only the desk of the receiving unit, which hands the receipt to the citizen, may issue one."""
    dossier = get_dossier(session, code)
    access.check_reissue_secret(access.grants_of(session, actor_id), dossier)
    secret = new_secret()
    dossier.secret_hash = hash_secret(secret)
    record_event(session, action="lookup_secret_reset", at=now, actor_id=actor_id, dossier_id=dossier.id)
    session.flush()
    return secret
