"""Units of the two-tier organisation (the province; its communes and wards; departments and partner agencies
below them) as administrators see them: the tree, creating and editing a unit."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.infra.audit import record_event
from engine.infra.errors import Conflict, NotFound, ValidationFailed
from engine.models import Unit
from engine.org import access
from engine.org.calendar import forget_calendar, parse_office_hours

LEVELS = {"bo": "Cấp trung ương", "tinh": "Cấp tỉnh", "xa": "Cấp xã"}  # as the catalogue labels them
CODE = re.compile(r"[0-9A-Za-z][0-9A-Za-z.\-]{0,39}")  # the official electronic identifier, e.g. 000.00.01.H99
FIELDS = ("code", "name", "parent_id", "level", "place_name", "abbreviation", "head_title", "office_hours",
          "saturday_morning")
SIGNATURE_PREFIXES = ("KT.", "TL.", "TM.", "TUQ.", "Q.")  # added when a deputy or delegate signs, never stored


@dataclass(frozen=True)
class UnitNode:
    """A unit at its depth in the tree (0: a unit without a parent)."""

    unit: Unit
    depth: int
    children: int


def unit_tree(session: Session, actor_id: int) -> list[UnitNode]:
    """Every unit, each followed by the units below it, siblings by code."""
    access.check_admin(access.grants_of(session, actor_id))
    return tree_of(list(session.scalars(select(Unit).order_by(Unit.code))))


def unit_form(session: Session, actor_id: int, unit_id: int | None = None) -> tuple[Unit | None, list[UnitNode]]:
    """The unit to edit (None for a new one) and the units that may be its parent: not itself nor below it."""
    access.check_admin(access.grants_of(session, actor_id))
    units = list(session.scalars(select(Unit).order_by(Unit.code)))
    if unit_id is None:
        return None, tree_of(units)
    unit = _unit(session, unit_id)
    below = _descendants(units, unit.id)
    return unit, [node for node in tree_of(units) if node.unit.id not in below]


def create_unit(session: Session, actor_id: int, now: datetime, **values) -> Unit:
    """A new unit; `values` are the FIELDS (parent_id an id or None, saturday_morning a bool)."""
    access.check_admin(access.grants_of(session, actor_id))
    cleaned = _validated(session, None, values)
    unit = Unit(**cleaned)
    session.add(unit)
    session.flush()
    record_event(session, action="unit_created", at=now, actor_id=actor_id,
                 detail={"unit_id": unit.id, **cleaned})
    return unit


def update_unit(session: Session, actor_id: int, unit_id: int, now: datetime, **values) -> Unit:
    """Change a unit's code, name, place in the tree, level, place name, letterhead (abbreviation, head title),
    office hours or Saturday mornings."""
    access.check_admin(access.grants_of(session, actor_id))
    unit = _unit(session, unit_id)
    cleaned = _validated(session, unit, values)
    before = {key: getattr(unit, key) for key in cleaned}
    changed = {key: value for key, value in cleaned.items() if before[key] != value}
    for key, value in changed.items():
        setattr(unit, key, value)
    if {"office_hours", "saturday_morning"} & set(changed):
        forget_calendar(session, unit.id)
    if changed:
        record_event(session, action="unit_updated", at=now, actor_id=actor_id,
                     detail={"unit_id": unit.id, "before": {k: before[k] for k in changed}, "after": changed})
    session.flush()
    return unit


def _unit(session: Session, unit_id: int) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound(f"Không có đơn vị #{unit_id}.")
    return unit


def _validated(session: Session, unit: Unit | None, values: dict) -> dict:
    """The FIELDS, trimmed and checked together: every field's errors at once, nothing stored on a refusal."""
    code, name = (values.get("code") or "").strip(), " ".join((values.get("name") or "").split())
    level, parent_id = values.get("level") or "", values.get("parent_id")
    place_name = " ".join((values.get("place_name") or "").split())
    abbreviation = (values.get("abbreviation") or "").strip().upper()  # ký hiệu in capitals (Nghị định 30/2020)
    head_title = " ".join((values.get("head_title") or "").split())
    office_hours = (values.get("office_hours") or "").replace(" ", "")
    errors: dict[str, list[str]] = {}
    if not code:
        errors["code"] = ["Nhập mã định danh của đơn vị."]
    elif not CODE.fullmatch(code):
        errors["code"] = ["Mã đơn vị chỉ gồm chữ, số, dấu chấm và gạch ngang (tối đa 40 ký tự)."]
    if not name:
        errors["name"] = ["Nhập tên đơn vị."]
    elif len(name) > 255:
        errors["name"] = ["Tên đơn vị tối đa 255 ký tự."]
    if level not in LEVELS:
        errors["level"] = ["Chọn cấp của đơn vị."]
    if len(place_name) > 100:
        errors["place_name"] = ["Địa danh tối đa 100 ký tự."]
    if len(abbreviation) > 30 or not all(char.isalnum() for char in abbreviation):
        errors["abbreviation"] = ["Tên viết tắt chỉ gồm chữ và số, không dấu cách (tối đa 30 ký tự), ví dụ VPĐKĐĐ."]
    if len(head_title) > 100:
        errors["head_title"] = ["Chức danh tối đa 100 ký tự."]
    elif head_title.upper().startswith(SIGNATURE_PREFIXES):
        errors["head_title"] = ["Chỉ nhập chức danh của người đứng đầu (ví dụ Giám đốc); KT., TL., TUQ. … được thêm "
                                "khi cấp phó hoặc người được ủy quyền ký."]
    try:
        parse_office_hours(office_hours)
    except ValueError as exc:
        errors["office_hours"] = [str(exc)[:1].upper() + str(exc)[1:] + "."]
    parent = None
    if parent_id is not None:
        parent = session.get(Unit, parent_id)
        if parent is None:
            errors["parent_id"] = ["Đơn vị cấp trên không tồn tại."]
        elif unit is not None and parent.id in _descendants(list(session.scalars(select(Unit))), unit.id):
            errors["parent_id"] = ["Không thể đặt đơn vị dưới chính nó hoặc một đơn vị cấp dưới của nó."]
        elif level in LEVELS and access.LEVEL_RANKS[parent.level] < access.LEVEL_RANKS[level]:
            errors["parent_id"] = ["Đơn vị cấp trên phải cùng cấp hoặc cao hơn đơn vị này."]
    if errors:
        raise ValidationFailed("Thông tin đơn vị chưa hợp lệ.", errors)
    taken = session.scalar(select(Unit.id).where(Unit.code == code))
    if taken is not None and (unit is None or taken != unit.id):
        raise Conflict(f"Mã {code} đã được dùng cho đơn vị khác.", field="code")
    return {"code": code, "name": name, "parent_id": parent.id if parent else None, "level": level,
            "place_name": place_name, "abbreviation": abbreviation, "head_title": head_title,
            "office_hours": office_hours,
            "saturday_morning": bool(values.get("saturday_morning"))}


def _descendants(units: list[Unit], unit_id: int) -> set[int]:
    """The unit and every unit below it."""
    found, frontier = {unit_id}, [unit_id]
    while frontier:
        parent = frontier.pop()
        for unit in units:
            if unit.parent_id == parent and unit.id not in found:
                found.add(unit.id)
                frontier.append(unit.id)
    return found


def tree_of(units: list[Unit]) -> list[UnitNode]:
    """The units in tree order: each followed by those below it (a unit whose parent is missing is a root)."""
    known = {unit.id for unit in units}
    below: dict[int | None, list[Unit]] = {}
    for unit in units:
        below.setdefault(unit.parent_id if unit.parent_id in known else None, []).append(unit)
    nodes: list[UnitNode] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for unit in below.get(parent_id, []):
            nodes.append(UnitNode(unit, depth, len(below.get(unit.id, []))))
            walk(unit.id, depth + 1)

    walk(None, 0)
    return nodes
