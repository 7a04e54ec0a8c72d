"""Roles as administrators keep them: the key is the lane name in BPMN and never changes; the name may."""
from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.infra.audit import record_event
from engine.infra.errors import Conflict, NotFound, ValidationFailed
from engine.models import Membership, Role
from engine.org import access

KEY = re.compile(r"[a-z][a-z0-9_]{1,39}")  # a lane name: lowercase identifier, e.g. chuyen_vien


def role_names(session: Session, keys=None) -> dict[str, str]:
    """The name administrators give each role (of `keys`, else all), by key: what a lane of that key reads as."""
    query = select(Role.key, Role.name)
    return dict(session.execute(query.where(Role.key.in_(keys)) if keys is not None else query).all())


def list_roles(session: Session, actor_id: int) -> list[tuple[Role, int]]:
    """Every role by key, with how many memberships it has."""
    access.check_admin(access.grants_of(session, actor_id))
    counts = {role_id: n for role_id, n in session.execute(
        select(Membership.role_id, func.count(Membership.id)).group_by(Membership.role_id))}
    return [(role, counts.get(role.id, 0)) for role in session.scalars(select(Role).order_by(Role.key))]


def create_role(session: Session, actor_id: int, key: str, name: str, now: datetime) -> Role:
    access.check_admin(access.grants_of(session, actor_id))
    key, name = (key or "").strip(), _name(name)
    errors = {}
    if not KEY.fullmatch(key):
        errors["key"] = ["Mã vai trò viết thường, bắt đầu bằng chữ, chỉ gồm chữ không dấu, số và gạch dưới "
                         "(ví dụ chuyen_vien), 2–40 ký tự."]
    if not name:
        errors["name"] = ["Nhập tên vai trò."]
    elif len(name) > 255:
        errors["name"] = ["Tên vai trò tối đa 255 ký tự."]
    if errors:
        raise ValidationFailed("Thông tin vai trò chưa hợp lệ.", errors)
    if session.scalar(select(Role.id).where(Role.key == key)) is not None:
        raise Conflict(f"Vai trò {key} đã tồn tại.", field="key")
    role = Role(key=key, name=name)
    session.add(role)
    session.flush()
    record_event(session, action="role_created", at=now, actor_id=actor_id,
                 detail={"role_id": role.id, "key": key, "name": name})
    return role


def rename_role(session: Session, actor_id: int, role_id: int, name: str, now: datetime) -> Role:
    """A new name for a role; its key stays, since BPMN lanes refer to it."""
    access.check_admin(access.grants_of(session, actor_id))
    role = session.get(Role, role_id)
    if role is None:
        raise NotFound(f"Không có vai trò #{role_id}.")
    name = _name(name)
    if not name or len(name) > 255:
        raise ValidationFailed("Thông tin vai trò chưa hợp lệ.", {
            "name": ["Nhập tên vai trò." if not name else "Tên vai trò tối đa 255 ký tự."]})
    if name != role.name:
        record_event(session, action="role_renamed", at=now, actor_id=actor_id,
                     detail={"role_id": role.id, "key": role.key, "before": role.name, "after": name})
        role.name = name
    session.flush()
    return role


def _name(text: str) -> str:
    return " ".join((text or "").split())
