"""Work items: the caller's inbox views, one item with its form, claiming and completing with form data."""
from __future__ import annotations

from flask import g, jsonify, request, url_for

from engine import (
    claim_task,
    clock,
    complete_task,
    get_work_item,
    INBOX_MAX_PER_PAGE as MAX_PER_PAGE,
    items_to_take,
    list_inbox,
    names_for_items,
    status_label,
    task_form,
    ValidationFailed,
    work_item_timing,
)

from ..db import db_session
from . import bp
from .registry import endpoint, iso
from ..guards import MAX_ID, decimal
from .schemas import VIEW_PARAMETER

ITEM_ID = {"name": "item_id", "in": "path", "required": True,
           "schema": {"type": "integer", "minimum": 0, "maximum": MAX_ID}, "description": "Mã công việc"}
MAX_PAGE = 1_000_000
PAGING = [VIEW_PARAMETER,
          {"name": "page", "in": "query", "required": False,
           "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
           "description": "Trang quá số trang hiện có cho trang cuối"},
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


def query_int(name: str, default: int, maximum: int) -> int:
    """A whole number from 1 to `maximum` (what the document publishes); anything else is refused, not capped."""
    raw = request.args.get(name)
    if raw is None:
        return default
    value = decimal(raw)
    if value is None or not 1 <= value <= maximum:
        raise ValidationFailed("Tham số không hợp lệ.", {name: [f"Cần một số nguyên từ 1 đến {maximum}."]})
    return value


@endpoint(bp, "/work-items", methods=["GET"], tags=["Công việc"], parameters=PAGING,
          summary="Công việc của tôi (mine) hoặc chưa ai nhận ở đơn vị của tôi (unit)",
          responses={200: "WorkItemPage", 422: "Error"})
def work_items():
    page = list_inbox(db_session(), g.actor_id, clock.now(), view=request.args.get("view", "mine"),
                      page=query_int("page", 1, MAX_PAGE), per_page=query_int("per_page", 25, MAX_PER_PAGE))
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
          request="CompleteRequest", deferred=True, summary="Hoàn thành công việc với dữ liệu biểu mẫu",
          description="Trả về trạng thái mới của hồ sơ và các công việc đang mở trên hồ sơ mà người gọi nhận "
                      "được ngay (next_items), nên không cần đọc lại danh sách công việc sau mỗi bước.",
          responses={200: "Completion", 403: "Error", 404: "Error", 409: "Error"})
def complete(item_id: int, body):
    session, now = db_session(), clock.now()
    # The engine checks the caller's role on the item before it asks for the data: only then is the body read.
    done = complete_task(session, item_id, lambda _schema: body()["data"], g.actor_id, now)
    return jsonify(work_item_id=done.work_item_id, dossier_code=done.dossier_code, status_before=done.status_before,
                   status_after=done.status_after, status_label=status_label(done.status_after), verdict=done.verdict,
                   next_items=[next_item(item) for item in items_to_take(session, done.dossier_id, g.actor_id, now)])


def next_item(item) -> dict:
    own = url_for("api.work_item_detail", item_id=item.id)  # claim and complete are its sub-paths (routes above)
    links = {"self": own, "complete": f"{own}/complete"}
    if not item.claimed:
        links["claim"] = f"{own}/claim"
    return {"id": item.id, "name": item.name, "bpmn_id": item.bpmn_id, "role_key": item.role_key,
            "unit_code": item.unit_code, "unit_name": item.unit_name, "due_at": iso(item.due_at),
            "claimed": item.claimed, "links": links}
