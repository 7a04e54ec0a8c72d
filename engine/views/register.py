"""Mẫu 07, the sổ theo dõi hồ sơ: one row per dossier a unit received or decided in a period."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from engine.org import access
from engine.infra.clock import VN_TZ
from engine.infra.errors import ValidationFailed
from engine.models import Dossier, Procedure, Unit, WorkItem
from engine.onestop.statuses import STATUS_LABELS, VERDICT_LABELS, is_overdue, on_time_verdict

COLUMNS = (  # (heading, RegisterRow field, Excel width); Ký nhận stays blank for the citizen's signature
    ("STT", "number", 5), ("Mã hồ sơ", "code", 24), ("Tên thủ tục hành chính", "procedure_name", 36),
    ("Số lượng hồ sơ (bộ)", "quantity", 9), ("Tên cá nhân, tổ chức", "applicant_name", 24),
    ("Địa chỉ, số điện thoại", "address_phone", 30), ("Cơ quan chủ trì giải quyết", "deciding_unit_name", 28),
    ("Ngày nhận hồ sơ", "received_at", 17), ("Ngày hẹn trả kết quả", "due_at", 17),
    ("Ngày hẹn lại (gia hạn)", "extended_due_at", 17),
    ("Ngày chuyển hồ sơ đến cơ quan giải quyết", "transferred_at", 17),
    ("Ngày nhận kết quả từ cơ quan giải quyết", "result_received_at", 17),
    ("Ngày trả kết quả", "returned_at", 17), ("Trạng thái", "status_label", 20), ("Ký nhận", None, 12),
    ("Ghi chú", "note", 30), ("Phí, lệ phí đã thu (đồng)", "fee_paid", 14),  # after Mẫu 07's own columns
)
MONEY_FIELDS = {"fee_paid"}  # đồng: numbers in Excel, shown with thousands separators
SHEET_TITLE = "So theo doi ho so"
EXCEL_DATE_FORMAT = "dd/mm/yyyy hh:mm"
EXCEL_MONEY_FORMAT = "#,##0"  # the reader's own thousands separator: 2.000 in a Vietnamese spreadsheet
HEADER_ROW = 5
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")  # what spreadsheet programs read as the start of a formula
MAX_DAYS = 366  # one register page covers at most a year; longer periods are split by the user


@dataclass
class RegisterRow:
    """The columns of Mẫu 07, in its order; instants are aware datetimes, shown in Vietnam time."""

    number: int  # STT: the register number the receiving desk gave (the same as on its Mẫu 01)
    code: str  # Mã hồ sơ
    procedure_name: str  # Tên TTHC
    quantity: int  # Số lượng hồ sơ (bộ)
    applicant_name: str  # Tên cá nhân, tổ chức
    address_phone: str  # Địa chỉ, số điện thoại
    deciding_unit_name: str  # Cơ quan chủ trì giải quyết
    received_at: datetime  # Ngày nhận hồ sơ
    due_at: datetime | None  # Ngày hẹn trả kết quả
    extended_due_at: datetime | None  # Ngày hẹn lại (gia hạn)
    transferred_at: datetime | None  # Ngày chuyển hồ sơ đến cơ quan giải quyết
    result_received_at: datetime | None  # Ngày nhận kết quả từ cơ quan giải quyết
    returned_at: datetime | None  # Ngày trả kết quả
    status: int
    status_label: str  # Trạng thái
    note: str  # Ghi chú
    received_elsewhere: str | None = None  # the receiving unit's name when not this unit's desk (its STT)
    fee_paid: int | None = None  # the dossier's fee record, in đồng


def register_units(session: Session, user_id: int) -> list[Unit]:
    """The units whose register the user may open: those where they hold a role."""
    ids = access.grants_of(session, user_id).dossier_units()
    if not ids:
        return []
    return list(session.scalars(select(Unit).where(Unit.id.in_(ids)).order_by(Unit.code)))


def register_rows(session: Session, unit_id: int, start: date, end: date, user_id: int,
                  now: datetime | None = None) -> list[RegisterRow]:
    """Dossiers received by or decided at the unit, received within [start, end] (Vietnam dates), in order.

    The STT is the number the receiving desk gave at reception: a deciding unit's register lists the dossiers
    received elsewhere with their receiving desk's number, and says so in their note. An online submission
    enters the register when the desk receives it. `now` lets the note flag open dossiers already past their
    due date. Two queries whatever the size."""
    access.check_unit_records(access.grants_of(session, user_id), unit_id, "sổ theo dõi hồ sơ")
    if start > end:
        raise ValidationFailed("Khoảng thời gian không hợp lệ.", {"from": ["Từ ngày phải trước hoặc bằng đến ngày."]})
    if (end - start).days >= MAX_DAYS:
        raise ValidationFailed("Khoảng thời gian quá dài.", {"to": [f"Mỗi lần xem tối đa {MAX_DAYS} ngày."]})
    begin = datetime.combine(start, time(0), VN_TZ)
    finish = datetime.combine(end + timedelta(days=1), time(0), VN_TZ)
    deciding, receiving = aliased(Unit), aliased(Unit)
    # The hand-over to the deciding agency is the first step completed at the receiving desk.
    transferred = (select(func.min(WorkItem.completed_at))
                   .where(WorkItem.dossier_id == Dossier.id, WorkItem.unit_id == Dossier.receiving_unit_id,
                          WorkItem.state == "completed")
                   .correlate(Dossier).scalar_subquery())
    query = (select(Dossier, Procedure.name, deciding.name, transferred, receiving.name)
             .join(Procedure, Procedure.id == Dossier.procedure_id)
             .join(deciding, deciding.id == Dossier.deciding_unit_id)
             .join(receiving, receiving.id == Dossier.receiving_unit_id)
             .where(or_(Dossier.receiving_unit_id == unit_id, Dossier.deciding_unit_id == unit_id),
                    Dossier.received_at >= begin, Dossier.received_at < finish,
                    Dossier.register_number.is_not(None))
             .order_by(Dossier.received_at, Dossier.id))
    return [_row(dossier, procedure_name, deciding_name, transferred_at, now,
                 receiving_name if dossier.receiving_unit_id != unit_id else None)
            for dossier, procedure_name, deciding_name, transferred_at, receiving_name in session.execute(query)]


def _row(dossier: Dossier, procedure_name, deciding_name, transferred_at, now, elsewhere) -> RegisterRow:
    applicant = dossier.applicant or {}
    contact = ", ".join(part for part in (applicant.get("address"), applicant.get("phone")) if part)
    return RegisterRow(
        number=dossier.register_number, code=dossier.code, procedure_name=procedure_name, quantity=1,
        applicant_name=applicant.get("name", ""), address_phone=contact, deciding_unit_name=deciding_name,
        received_at=dossier.received_at, due_at=dossier.promised_due_at or dossier.due_at,
        extended_due_at=dossier.extended_due_at or _moved_due(dossier),
        transferred_at=transferred_at, returned_at=dossier.returned_at,
        result_received_at=dossier.finished_at if dossier.status in (9, 10) else None,  # not a stop's end time
        status=dossier.status, status_label=STATUS_LABELS.get(dossier.status, ""), received_elsewhere=elsewhere,
        fee_paid=dossier.fee_paid_amount,
        note="; ".join(filter(None, [f"STT theo sổ của {elsewhere}" if elsewhere else "",
                                     register_note(dossier, now)])),
    )


def _moved_due(dossier: Dossier) -> datetime | None:
    """The new appointment after a supplement pause moved the due date (shown under "Ngày hẹn lại")."""
    moved = dossier.promised_due_at is not None and dossier.due_at != dossier.promised_due_at
    return dossier.due_at if moved else None


def register_note(dossier: Dossier, now: datetime | None = None) -> str:
    """Ghi chú: the on-time verdict once finished, overdue while open, stopped, withdrawn, extended."""
    notes = ["Dừng giải quyết"] if dossier.status == 8 else []
    verdict = on_time_verdict(dossier)
    if verdict:
        notes.append(VERDICT_LABELS[verdict])
    elif dossier.status == 7:
        notes.append("Công dân xin rút hồ sơ")
    elif now is not None and is_overdue(dossier, now):
        notes.append("Quá hạn, chưa có kết quả")
    if dossier.extended_due_at is not None:
        notes.append("Đã xin lỗi, hẹn lại ngày trả")
    if dossier.status == 5:
        notes.append("Chờ công dân bổ sung")
    if dossier.return_method == "postal":
        notes.append("Trả qua bưu chính")
    return "; ".join(notes)


def register_workbook(rows: list[RegisterRow], unit_name: str, start: date, end: date) -> bytes:
    """The register as an .xlsx file: title, unit and period, a frozen header, real dates in Vietnam time."""
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET_TITLE
    last = len(COLUMNS)
    for row, text, size in ((1, "SỔ THEO DÕI HỒ SƠ", 14), (2, unit_name, 12),
                            (3, f"Từ ngày {start:%d/%m/%Y} đến ngày {end:%d/%m/%Y}", 11)):
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last)
        cell = put_cell(sheet, row, 1, text)
        cell.font = Font(bold=row == 1, size=size)
        cell.alignment = Alignment(horizontal="center")
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for column, (heading, _field, width) in enumerate(COLUMNS, start=1):
        cell = put_cell(sheet, HEADER_ROW, column, heading)
        cell.font, cell.border = Font(bold=True), border
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[cell.column_letter].width = width
    for offset, record in enumerate(rows, start=1):
        for column, (_heading, field, _width) in enumerate(COLUMNS, start=1):
            value = getattr(record, field) if field else None
            cell = put_cell(sheet, HEADER_ROW + offset, column, excel_value(value))
            cell.border = border
            cell.alignment = Alignment(vertical="top", wrap_text=True)
            if isinstance(value, datetime):
                cell.number_format = EXCEL_DATE_FORMAT
            elif field in MONEY_FIELDS:
                cell.number_format = EXCEL_MONEY_FORMAT
    sheet.freeze_panes = sheet.cell(row=HEADER_ROW + 1, column=1)
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet.page_setup.orientation = "landscape"
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def put_cell(sheet, row: int, column: int, value):
    """Write one cell; text is always stored as text, so a citizen-typed "=HYPERLINK(...)" never runs as a formula
    (and, quote-prefixed, does not turn into one when an official edits the cell)."""
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
        cell.quotePrefix = value.startswith(FORMULA_TRIGGERS)
    return cell


def excel_value(value):
    """Excel has no time zones: an instant becomes the Vietnam wall-clock time the officials read."""
    if isinstance(value, datetime):
        return value.astimezone(VN_TZ).replace(tzinfo=None)
    return value
