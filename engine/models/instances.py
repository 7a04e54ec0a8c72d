"""Runtime tables: process instances, their projected user tasks (work items) and liên thông messages."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime
from .dossiers import Dossier


class ProcessInstance(Base):
    __tablename__ = "process_instance"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"), index=True)
    process_version_id: Mapped[int] = mapped_column(ForeignKey("process_version.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    state: Mapped[str] = mapped_column(Text)  # serialized workflow, without its spec
    status: Mapped[str] = mapped_column(String(10), default="running")  # running / completed / error
    error: Mapped[Optional[str]] = mapped_column(Text)
    next_timer_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime(), index=True)
    waiting_for: Mapped[Optional[list]] = mapped_column(JSON)  # names of the messages it can catch now
    revision: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    dossier: Mapped[Dossier] = relationship()

    __mapper_args__ = {"version_id_col": revision}


class WorkItem(Base):
    __tablename__ = "work_item"
    __table_args__ = (
        UniqueConstraint("instance_id", "task_id"),
        Index("ix_work_item_open_by_unit_role", "state", "unit_id", "role_key", "due_at"),  # "my units' work":
        # state first, so the open items are found without reading the finished ones that pile up behind them
        Index("ix_work_item_open_by_assignee", "assignee_id", "state", "due_at"),  # "assigned to me"
        Index("ix_work_item_done_by", "completed_by_id", "completed_at"),  # "steps I completed", newest first
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"))
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"), index=True)
    task_id: Mapped[str] = mapped_column(String(36))  # SpiffWorkflow task uuid
    bpmn_id: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(500))
    role_key: Mapped[str] = mapped_column(String(40))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    form: Mapped[Optional[str]] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(10), default="ready")  # ready / completed / cancelled
    assignee_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))
    claimed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    ready_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    completed_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))
    completed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    on_behalf_of_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))  # completed under delegation
    signature_form: Mapped[Optional[str]] = mapped_column(String(5))  # TUQ. / KT. / TL. / Q. when delegated
    verdict: Mapped[Optional[str]] = mapped_column(String(10))  # early / on_time / late
    data: Mapped[Optional[dict]] = mapped_column(JSON)  # the step's validated form data, once completed

    dossier: Mapped[Dossier] = relationship()


class Message(Base):
    __tablename__ = "message"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    correlation: Mapped[str] = mapped_column(String(80), index=True)  # the dossier code
    payload: Mapped[dict] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sender_instance_id: Mapped[Optional[int]] = mapped_column(ForeignKey("process_instance.id"))
    receiver_instance_id: Mapped[Optional[int]] = mapped_column(ForeignKey("process_instance.id"))
    error: Mapped[Optional[str]] = mapped_column(Text)
    next_attempt_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())  # back-off after a failure
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    delivered_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
