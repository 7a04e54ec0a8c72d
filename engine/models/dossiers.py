"""Dossier tables: one application (hồ sơ) and the per-unit daily numbering of dossier codes."""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime
from .org import Unit
from .procedures import Procedure, ProcessVersion


# Indexes the migrations make and the metadata leaves out: on PostgreSQL only, over an expression
SEARCH_WORDS_INDEX = "ix_dossier_search_words"  # full text of search_text (migration 0015)
SEARCH_WORDS_TABLE = "dossier_words"  # on SQLite only: an FTS5 index of search_text, kept by triggers (migration 0017)


class Dossier(Base):
    __tablename__ = "dossier"
    __table_args__ = (
        Index("ix_dossier_receiving_received", "receiving_unit_id", "received_at"),  # the unit's register
        Index("ix_dossier_deciding_received", "deciding_unit_id", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(80), unique=True)  # mã hồ sơ
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedure.id"), index=True)
    process_version_id: Mapped[int] = mapped_column(ForeignKey("process_version.id"))
    applicant: Mapped[dict] = mapped_column(JSON)
    # the words of the code, applicant name and id number, folded (engine.infra.text.dossier_search_text), set at
    # reception; on PostgreSQL a full-text index of its words (SEARCH_WORDS_INDEX)
    search_text: Mapped[str] = mapped_column(String(400), default="", server_default="")
    channel: Mapped[str] = mapped_column(String(10))  # direct / online / postal
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    promised_due_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())  # on Mẫu 01; never changed
    due_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime(), index=True)  # legal due, moved by pauses
    extended_due_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    status: Mapped[int] = mapped_column(SmallInteger, index=True)  # national status code 1..10
    finished_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime(), index=True)
    returned_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    receiving_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    deciding_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    supplement_count: Mapped[int] = mapped_column(Integer, default=0)  # requests during processing (Mẫu 02)
    paused_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())  # clock stopped since
    extension_count: Mapped[int] = mapped_column(Integer, default=0)  # apology letters (Mẫu 04)
    components: Mapped[list] = mapped_column(JSON, default=list)  # thành phần hồ sơ ticked at reception
    return_method: Mapped[str] = mapped_column(String(10), default="desk")  # desk / postal
    return_address: Mapped[str] = mapped_column(String(500), default="")  # postal return address
    fee_paid_amount: Mapped[Optional[int]] = mapped_column(BigInteger)  # đồng (land levies pass 2^31); None until recorded
    fee_receipt_no: Mapped[Optional[str]] = mapped_column(String(100))
    fee_paid_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    submitted_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())  # online: when the citizen submitted
    register_year: Mapped[Optional[int]] = mapped_column(SmallInteger)  # the receiving unit's sổ (Mẫu 07) …
    register_number: Mapped[Optional[int]] = mapped_column(Integer)  # … and its STT, on Mẫu 01; None until received
    fee_due_amount: Mapped[Optional[int]] = mapped_column(BigInteger)  # đồng, as the process computed it
    fee_due_basis: Mapped[Optional[str]] = mapped_column(String(255))  # how, e.g. "3 trang × 2 bản"

    procedure: Mapped[Procedure] = relationship()
    process_version: Mapped[ProcessVersion] = relationship()
    receiving_unit: Mapped[Unit] = relationship(foreign_keys=[receiving_unit_id])
    deciding_unit: Mapped[Unit] = relationship(foreign_keys=[deciding_unit_id])


# One STT per receiving unit and year: the number Mẫu 01 prints and Mẫu 07 lists.
Index("uq_dossier_register", Dossier.receiving_unit_id, Dossier.register_year, Dossier.register_number, unique=True)


class DossierSequence(Base):
    """Last number handed out per unit and reception day; incremented atomically by an upsert."""

    __tablename__ = "dossier_sequence"

    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class RegisterSequence(Base):
    """Last register number (STT of the sổ theo dõi hồ sơ) handed out per receiving unit and year."""

    __tablename__ = "register_sequence"

    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    year: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    last: Mapped[int] = mapped_column(Integer)
