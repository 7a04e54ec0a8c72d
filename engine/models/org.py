"""Organisation tables: units, users, roles and who holds which role where."""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime


class Unit(Base):
    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("unit.id"))
    level: Mapped[str] = mapped_column(String(10), default="xa")  # bo / tinh / xa
    saturday_morning: Mapped[bool] = mapped_column(Boolean, default=False)  # receives on Saturday mornings
    office_hours: Mapped[str] = mapped_column(String(60), default="07:30-11:30,13:30-17:00")
    place_name: Mapped[str] = mapped_column(String(100), default="")  # địa danh heading printed forms: "Hòa Bình, ngày …"
    # Nghị định 30/2020: the ký hiệu of the unit's documents ("Số: …/TB-VPĐKĐĐ") and the title its head signs
    # with ("GIÁM ĐỐC"; a deputy "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC"); empty leaves them for the văn thư to write.
    abbreviation: Mapped[str] = mapped_column(String(30), default="")
    head_title: Mapped[str] = mapped_column(String(100), default="")


class CalendarDay(Base):
    """A unit's exception to the national calendar: an extra day off or a swapped working day."""

    __tablename__ = "calendar_day"
    __table_args__ = (UniqueConstraint("unit_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    day: Mapped[date] = mapped_column(Date)
    working: Mapped[bool] = mapped_column(Boolean)  # False: day off; True: working day (e.g. make-up Saturday)
    note: Mapped[str] = mapped_column(String(255), default="")


class User(Base):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(255))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Raised at sign-out: every signed-in session of the account carries the value it was given and ends.
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    memberships: Mapped[list["Membership"]] = relationship(back_populates="user")


class Role(Base):
    __tablename__ = "role"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(255))


class Membership(Base):
    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("user_id", "role_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    role_id: Mapped[int] = mapped_column(ForeignKey("role.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)

    user: Mapped[User] = relationship(back_populates="memberships")
    role: Mapped[Role] = relationship(lazy="joined")
    unit: Mapped[Unit] = relationship(lazy="joined")


class Delegation(Base):
    """Ủy quyền: from_user lets to_user act in one role at one unit (optionally one procedure) for a period."""

    __tablename__ = "delegation"

    id: Mapped[int] = mapped_column(primary_key=True)
    from_user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    to_user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    role_key: Mapped[str] = mapped_column(String(40))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    procedure_id: Mapped[Optional[int]] = mapped_column(ForeignKey("procedure.id"))
    signature_form: Mapped[str] = mapped_column(String(5))  # TUQ. / KT. / TL. / Q.
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime())
    valid_to: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
