"""The audit-trail viewer of administrators: events filtered by user, dossier, action and period, paged in SQL,
and the same selection as an Excel file."""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.infra.clock import VN_TZ
from engine.infra.errors import ValidationFailed
from engine.models import Dossier, Event, Unit, User, WorkItem
from engine.org import access
from engine.views.register import EXCEL_DATE_FORMAT, excel_value, put_cell
from engine.views.timeline import event_label

PER_PAGE = 50
MAX_PAGE = 2000  # deeper than 100,000 events back, narrow the filter instead of paging
EXPORT_MAX_ROWS = 50_000
EXCEL_TEXT_MAX = 32_000  # a cell holds at most 32,767 characters
SHEET_TITLE = "Nhat ky"
ACTION_PATTERN = re.compile(r"[a-z_]{1,60}")
# The actions an administrator picks from (any other action code still filters when typed in the address).
ACTION_NAMES = {
    "dossier_received": "Tiếp nhận hồ sơ", "status_changed": "Chuyển trạng thái hồ sơ",
    "dossier_submitted": "Nộp hồ sơ trực tuyến", "dossier_refused": "Từ chối tiếp nhận hồ sơ",
    "task_claimed": "Nhận xử lý công việc", "task_unclaimed": "Trả lại công việc",
    "task_reassigned": "Giao lại công việc", "task_completed": "Hoàn thành bước", "task_cancelled": "Hủy bước",
    "supplement_requested": "Yêu cầu bổ sung", "due_extended": "Gia hạn", "withdrawal_requested": "Yêu cầu rút hồ sơ",
    "dossier_stopped": "Dừng xử lý hồ sơ", "fee_recorded": "Thu phí", "attachment_added": "Đính kèm tệp",
    "intake_slip_issued": "Lập phiếu", "lookup_secret_reset": "Cấp lại mã tra cứu", "dossier_rated": "Đánh giá",
    "message_sent": "Gửi thông điệp liên thông", "message_delivered": "Nhận thông điệp liên thông",
    "message_failed": "Thông điệp liên thông lỗi", "message_retried": "Gửi lại thông điệp liên thông",
    "notification_sent": "Gửi thông báo", "notification_failed": "Thông báo lỗi",
    "notification_resent": "Gửi lại thông báo", "instance_failed": "Quy trình gặp lỗi",
    "instance_retried": "Chạy lại quy trình", "instance_suspended": "Tạm ngừng quy trình",
    "instance_resumed": "Cho quy trình chạy tiếp", "instance_terminated": "Chấm dứt quy trình",
    "access_refused": "Truy cập bị từ chối",
}


@dataclass(frozen=True)
class AuditFilter:
    username: str = ""
    code: str = ""  # dossier code
    action: str = ""
    start: date | None = None  # Vietnam dates, both included
    end: date | None = None


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    actor: str | None  # full name; None: the system (worker, citizen)
    username: str | None
    action: str
    label: str
    dossier_code: str | None
    detail: str  # the event's detail as compact JSON


@dataclass(frozen=True)
class AuditPage:
    rows: tuple[AuditRow, ...]
    total: int
    page: int
    pages: int


def audit_trail(session: Session, user_id: int, wanted: AuditFilter, page: int = 1) -> AuditPage:
    """One page of the events the filter selects, newest first, with the total."""
    query = _selection(session, user_id, wanted)
    total = session.scalar(select(func.count()).select_from(query.with_only_columns(Event.id).subquery()))
    pages = min(max(1, math.ceil(total / PER_PAGE)), MAX_PAGE)
    page = max(1, min(int(page), pages))
    rows = _rows(session, query.limit(PER_PAGE).offset((page - 1) * PER_PAGE))
    return AuditPage(tuple(rows), total, page, pages)


def audit_workbook(session: Session, user_id: int, wanted: AuditFilter) -> bytes:
    """The selected events as an .xlsx file, newest first: real date cells in Vietnam time, text never a formula."""
    query = _selection(session, user_id, wanted)
    total = session.scalar(select(func.count()).select_from(query.with_only_columns(Event.id).subquery()))
    if total > EXPORT_MAX_ROWS:
        raise ValidationFailed(f"Có {total} sự kiện, quá {EXPORT_MAX_ROWS} dòng cho một tệp; hãy thu hẹp bộ lọc.")
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET_TITLE
    headings = (("Thời điểm", 17), ("Người thực hiện", 24), ("Tên đăng nhập", 16), ("Mã hành động", 20),
                ("Nội dung", 50), ("Mã hồ sơ", 26), ("Chi tiết", 60))
    for column, (heading, width) in enumerate(headings, start=1):
        cell = put_cell(sheet, 1, column, heading)
        cell.font = Font(bold=True)
        sheet.column_dimensions[cell.column_letter].width = width
    for number, row in enumerate(_rows(session, query), start=2):
        values = (row.at, row.actor, row.username, row.action, row.label, row.dossier_code, row.detail)
        for column, value in enumerate(values, start=1):
            text = value[:EXCEL_TEXT_MAX] if isinstance(value, str) else value
            cell = put_cell(sheet, number, column, excel_value(text))
            cell.alignment = Alignment(vertical="top", wrap_text=column in (5, 7))
            if isinstance(value, datetime):
                cell.number_format = EXCEL_DATE_FORMAT
    sheet.freeze_panes = "A2"
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _selection(session: Session, user_id: int, wanted: AuditFilter):
    access.check_admin(access.grants_of(session, user_id))
    errors: dict[str, list[str]] = {}
    query = (select(Event, User.full_name, User.username, Dossier.code, WorkItem.name)
             .outerjoin(User, User.id == Event.actor_id).outerjoin(Dossier, Dossier.id == Event.dossier_id)
             .outerjoin(WorkItem, WorkItem.id == Event.work_item_id).order_by(Event.id.desc()))
    if wanted.username:
        actor = session.scalar(select(User.id).where(func.lower(User.username) == wanted.username.lower()))
        if actor is None:
            errors["user"] = [f"Không có người dùng '{wanted.username}'."]
        query = query.where(Event.actor_id == actor)
    if wanted.code:
        dossier = session.scalar(select(Dossier.id).where(Dossier.code == wanted.code))
        if dossier is None:
            errors["code"] = [f"Không có hồ sơ mã {wanted.code}."]
        query = query.where(Event.dossier_id == dossier)
    if wanted.action:
        if not ACTION_PATTERN.fullmatch(wanted.action):
            errors["action"] = ["Hành động không hợp lệ."]
        query = query.where(Event.action == wanted.action)
    if wanted.start and wanted.end and wanted.start > wanted.end:
        errors["start"] = ["Từ ngày phải trước hoặc bằng đến ngày."]
    if wanted.start:
        query = query.where(Event.at >= datetime.combine(wanted.start, time(0), VN_TZ))
    if wanted.end:
        query = query.where(Event.at < datetime.combine(wanted.end + timedelta(days=1), time(0), VN_TZ))
    if errors:
        raise ValidationFailed("Bộ lọc chưa hợp lệ.", errors)
    return query


def _rows(session: Session, query) -> list[AuditRow]:
    found = session.execute(query).all()
    units = dict(session.execute(select(Unit.id, Unit.name)).all()) if any(
        event.action.startswith("message_") for event, *_ in found) else {}
    return [AuditRow(event.id, event.at, actor, username, event.action, event_label(event, step, units), code,
                     json.dumps(event.detail, ensure_ascii=False, sort_keys=True) if event.detail else "")
            for event, actor, username, code, step in found]
