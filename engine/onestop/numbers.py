"""The numbers a dossier gets: its code (mã hồ sơ, per unit and day) and its register STT (per unit and year)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from engine.infra.clock import VN_TZ
from engine.models import DossierSequence, RegisterSequence, Unit


def next_dossier_code(session: Session, unit: Unit, received_at: datetime) -> str:
    """`<unit code>-<YYMMDD>-<NNNN>`: an atomic per-unit daily counter, safe under concurrent intake."""
    day = received_at.astimezone(VN_TZ).date()
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(DossierSequence).values(unit_id=unit.id, day=day, last=1)
        .on_conflict_do_update(index_elements=["unit_id", "day"], set_={"last": DossierSequence.last + 1})
        .returning(DossierSequence.last)
    )
    number = session.execute(statement).scalar_one()
    return f"{unit.code}-{day:%y%m%d}-{number:04d}"


def next_register_number(session: Session, unit_id: int, received_at: datetime) -> tuple[int, int]:
    """(year, STT) in the receiving unit's sổ theo dõi hồ sơ: an atomic per-unit yearly counter."""
    year = received_at.astimezone(VN_TZ).year
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(RegisterSequence).values(unit_id=unit_id, year=year, last=1)
        .on_conflict_do_update(index_elements=["unit_id", "year"], set_={"last": RegisterSequence.last + 1})
        .returning(RegisterSequence.last)
    )
    return year, session.execute(statement).scalar_one()
