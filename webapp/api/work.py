"""Work items: the caller's inbox views, one item with its form, claiming and completing with form data."""
from __future__ import annotations

from flask import g, jsonify, request

from engine import (
    claim_task,
    clock,
    complete_task,
    get_work_item,
    INBOX_MAX_PER_PAGE as MAX_PER_PAGE,
    list_inbox,
    names_for_items,
    task_form,
    ValidationFailed,
    work_item_timing,
)

from ..db import db_session
from . import bp
from .registry import endpoint, iso
from ..guards import decimal
from .schemas import VIEW_PARAMETER

ITEM_ID = {"name": "item_id", "in": "path", "required": True, "schema": {"type": "integer"},
           "description": "Mã công việc"}
PAGING = [VIEW_PARAMETER,
          {"name": "page", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1}},
          {"name": "per_page", "in": "query", "required": False,
           "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 25}}]


def work_item(item, timing, names: dict, form: dict | None = None) -> dict:
    unit_code, assignee = names[item.id]
    remaining = int(timing.remaining.total_seconds()) if timing.remaining is not None else None
    return {"id": item.id, "dossier_code": item.dossier.code, "procedure_code": item.dossier.procedure.code,
            "name": item.name, "bpmn_id": item.bpmn_id, "role_key": item.role_key, "unit_code": unit_code,
            "assignee": assignee,
            "ready_at": iso(item.ready_at), "due_at": iso(item.due_at), "remaining_seconds": remaining,
            "late": timing.late, "due_soon": timing.due_soon, "form": form}


def query_int(name: str, default: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    value = decimal(raw)
    if value is None or not 1 <= value <= 1_000_000:
        raise ValidationFailed("Tham số không hợp lệ.", {name: ["Cần một số nguyên dương."]})
    return value


@endpoint(bp, "/work-items", methods=["GET"], tags=["Công việc"], parameters=PAGING,
          summary="Công việc của tôi (mine) hoặc chưa ai nhận ở đơn vị của tôi (unit)",
          responses={200: "WorkItemPage", 422: "Error"})
def work_items():
    page = list_inbox(db_session(), g.actor_id, clock.now(), view=request.args.get("view", "mine"),
                      page=query_int("page", 1), per_page=query_int("per_page", 25))
    names = names_for_items(db_session(), [item for item, _timing in page.rows])
    return jsonify(items=[work_item(item, timing, names) for item, timing in page.rows], total=page.total, page=page.page,
                   per_page=page.per_page, pages=page.pages, counts=page.counts)


@endpoint(bp, "/work-items/<int:item_id>", methods=["GET"], tags=["Công việc"], parameters=[ITEM_ID],
          summary="Một công việc và JSON Schema của biểu mẫu", responses={200: "WorkItem", 403: "Error", 404: "Error"})
def work_item_detail(item_id: int):
    session, now = db_session(), clock.now()
    item = get_work_item(session, item_id, g.actor_id, now)
    schema, _ui = task_form(session, item)
    return jsonify(work_item(item, work_item_timing(session, item, now), names_for_items(session, [item]), schema))


@endpoint(bp, "/work-items/<int:item_id>/claim", methods=["POST"], tags=["Công việc"], parameters=[ITEM_ID],
          summary="Nhận xử lý công việc", responses={200: "WorkItem", 403: "Error", 404: "Error", 409: "Error"})
def claim(item_id: int):
    session, now = db_session(), clock.now()
    item = claim_task(session, item_id, g.actor_id, now)
    return jsonify(work_item(item, work_item_timing(session, item, now), names_for_items(session, [item])))


@endpoint(bp, "/work-items/<int:item_id>/complete", methods=["POST"], tags=["Công việc"], parameters=[ITEM_ID],
          request="CompleteRequest", summary="Hoàn thành công việc với dữ liệu biểu mẫu",
          responses={200: "Completion", 403: "Error", 404: "Error", 409: "Error"})
def complete(item_id: int, body: dict):
    done = complete_task(db_session(), item_id, body["data"], g.actor_id, clock.now())
    return jsonify(work_item_id=done.work_item_id, dossier_code=done.dossier_code, status_before=done.status_before,
                   status_after=done.status_after, verdict=done.verdict)
