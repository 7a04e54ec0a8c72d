"""Catalogue tables: procedures (TTHC) and the versions of their internal process."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Optional

from sqlalchemy import JSON, Date, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime


class Procedure(Base):
    __tablename__ = "procedure"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)  # mã TTHC
    slug: Mapped[str] = mapped_column(String(80), unique=True)  # folder name in bpmn/
    name: Mapped[str] = mapped_column(String(500))
    field: Mapped[str] = mapped_column(String(255), default="")  # lĩnh vực
    level: Mapped[str] = mapped_column(String(10), default="tinh")
    variant: Mapped[str] = mapped_column(String(20), default="one_stop")
    time_limit: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    time_limit_unit: Mapped[str] = mapped_column(String(20), default="working_days")
    cutoff_hour: Mapped[str] = mapped_column(String(5), default="15:00")
    supplement_policy: Mapped[str] = mapped_column(String(10), default="pause")
    deciding_unit_id: Mapped[Optional[int]] = mapped_column(ForeignKey("unit.id"))
    fees: Mapped[list] = mapped_column(JSON, default=list)
    documents: Mapped[list] = mapped_column(JSON, default=list)
    unverified: Mapped[list] = mapped_column(JSON, default=list)
    active_version_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("process_version.id", use_alter=True)
    )

    active_version: Mapped[Optional["ProcessVersion"]] = relationship(
        foreign_keys=[active_version_id], post_update=True
    )


class ProcessVersion(Base):
    __tablename__ = "process_version"
    __table_args__ = (UniqueConstraint("procedure_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedure.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    process_id: Mapped[str] = mapped_column(String(120))  # BPMN id of the top process
    files: Mapped[dict] = mapped_column(JSON)  # file name -> BPMN XML
    forms: Mapped[dict] = mapped_column(JSON, default=dict)  # file name -> JSON document
    meta: Mapped[dict] = mapped_column(JSON, default=dict)  # procedure.toml as it was for this version
    checksum: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12), default="draft")
    author_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))
    approver_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    submitted_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    reviewed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())  # approved or rejected
    review_note: Mapped[str] = mapped_column(Text, default="")  # the reason of a rejection
    # The legal act adopting the internal process: Quyết định số …, ngày …, người ký
    decision_number: Mapped[str] = mapped_column(String(60), default="")
    decision_date: Mapped[Optional[date]] = mapped_column(Date)
    decision_signer: Mapped[str] = mapped_column(String(255), default="")
    approved_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    activate_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime(), index=True)  # scheduled activation
    activated_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    retired_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())

    procedure: Mapped[Procedure] = relationship(foreign_keys=[procedure_id])
