"""The periodic report (engine.views.reports) laid out as the law's form: its grouped columns, its rows (a field,
then its procedures, then the total), and the two files officials download: an Excel workbook and an A4
landscape PDF drawn with the DejaVu fonts (Vietnamese diacritics), whose folder the caller gives."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from io import BytesIO
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from engine.infra.clock import VN_TZ
from engine.views.register import put_cell
from engine.views.reports import Figures, Report, ReportLine

TITLE = "BÁO CÁO TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"
RATE = "on_time_rate"  # the one column that is a share, not a count


@dataclass(frozen=True)
class Column:
    heading: tuple[str, ...]  # its header cells from the top row down; equal prefixes are merged
    measure: str = ""  # a Figures field or sum (the drill-down's measure); "" for the leading text columns
    width: float = 9  # Excel width; the PDF shares the page in proportion


LEAD = (Column(("STT",), width=6), Column(("Lĩnh vực, thủ tục hành chính",), width=44))
RECEIVED, RESOLVED, IN_PROGRESS = "Số hồ sơ nhận giải quyết", "Số hồ sơ đã giải quyết", "Số hồ sơ đang giải quyết"
COLUMNS = (
    Column((RECEIVED, "Tổng số"), "received_total"),
    Column((RECEIVED, "Kỳ trước chuyển qua"), "carried_over"),
    Column((RECEIVED, "Mới tiếp nhận", "Trực tuyến"), "received_online"),
    Column((RECEIVED, "Mới tiếp nhận", "Trực tiếp"), "received_direct"),
    Column((RECEIVED, "Mới tiếp nhận", "Bưu chính công ích"), "received_postal"),
    Column((RESOLVED, "Tổng số"), "resolved"),
    Column((RESOLVED, "Trước hạn"), "resolved_early"),
    Column((RESOLVED, "Đúng hạn"), "resolved_on_time"),
    Column((RESOLVED, "Quá hạn"), "resolved_late"),
    Column((IN_PROGRESS, "Tổng số"), "in_progress"),
    Column((IN_PROGRESS, "Chưa đến hạn"), "in_progress_not_due"),
    Column((IN_PROGRESS, "Quá hạn"), "in_progress_overdue"),
    Column(("Dừng xử lý",), "stopped"),
    Column(("Rút hồ sơ",), "withdrawn"),
    Column(("Đã trả kết quả",), "returned"),
    Column(("Từ chối tiếp nhận",), "refused"),
    Column(("Liên thông",), "inter_agency"),
    Column(("4 tại chỗ",), "on_the_spot"),
    Column(("Tỷ lệ đúng hạn (%)",), RATE, 10),
)
HEADER_DEPTH = max(len(column.heading) for column in COLUMNS)
EXCEL_HEADER_ROW = 5  # title, unit, period, a blank row, then the header rows
EXCEL_RATE_FORMAT = "0.0%"
SHEET_TITLE = "Bao cao TTHC"


@dataclass(frozen=True)
class HeaderCell:
    text: str
    row: int  # 0-based among the header rows
    column: int  # 0-based among all columns, the leading ones included
    rowspan: int = 1
    colspan: int = 1


@dataclass
class TableRow:
    number: str  # STT: "1" for a field, "1.2" for its second procedure, "" for the total
    label: str
    kind: str  # "field", "procedure" or "total"
    figures: Figures
    line: ReportLine | None = None


def header_rows(columns=LEAD + COLUMNS, depth: int = HEADER_DEPTH) -> list[list[HeaderCell]]:
    """The grouped header as rows of cells with their spans: a heading shorter than the depth reaches down to
    the last header row; equal headings side by side make one wide cell."""
    rows: list[list[HeaderCell]] = []
    for level in range(depth):
        cells, index = [], 0
        while index < len(columns):
            heading = columns[index].heading
            if len(heading) <= level:
                index += 1
                continue
            span = 1
            while index + span < len(columns) and columns[index + span].heading[:level + 1] == heading[:level + 1] \
                    and len(columns[index + span].heading) > level:
                span += 1
            down = depth - level if len(heading) == level + 1 else 1
            cells.append(HeaderCell(heading[level], level, index, down, span))
            index += span
        rows.append(cells)
    return rows


def table_rows(report: Report) -> list[TableRow]:
    """The report's lines numbered as the form numbers them, then the total."""
    rows, field_no, procedure_no = [], 0, 0
    for line in report.lines:
        if line.level == 0:
            field_no, procedure_no = field_no + 1, 0
            rows.append(TableRow(str(field_no), line.label, "field", line.figures, line))
        else:
            procedure_no += 1
            rows.append(TableRow(f"{field_no}.{procedure_no}", line.label, "procedure", line.figures, line))
    rows.append(TableRow("", "Tổng cộng", "total", report.total))
    return rows


def figure(figures: Figures, measure: str):
    """A column's value: a count, or the on-time share (None when nothing was judged)."""
    return getattr(figures, measure)


def period_text(start: date, end: date) -> str:
    return f"Từ ngày {start:%d/%m/%Y} đến ngày {end:%d/%m/%Y}"


def report_workbook(report: Report, scope: str = "") -> bytes:
    """The report as an .xlsx file: title rows, merged grouped headers, numbers as numbers, the share as a
    percentage, a frozen header repeated on printed pages, A4 landscape. `scope` names a procedure or field
    filter, if any."""
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET_TITLE
    columns = LEAD + COLUMNS
    last = len(columns)
    period = period_text(report.start, report.end) + (f" — {scope}" if scope else "")
    for row, text, size in ((1, TITLE, 14), (2, report.unit.name, 12), (3, period, 11)):
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last)
        cell = put_cell(sheet, row, 1, text)
        cell.font = Font(bold=row == 1, size=size)
        cell.alignment = Alignment(horizontal="center")
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for header in header_rows():
        for item in header:
            row, column = EXCEL_HEADER_ROW + item.row, item.column + 1
            for r in range(row, row + item.rowspan):  # borders on every cell a merge covers
                for c in range(column, column + item.colspan):
                    sheet.cell(row=r, column=c).border = border
            if item.rowspan > 1 or item.colspan > 1:
                sheet.merge_cells(start_row=row, start_column=column, end_row=row + item.rowspan - 1,
                                  end_column=column + item.colspan - 1)
            cell = put_cell(sheet, row, column, item.text)
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    first = EXCEL_HEADER_ROW + HEADER_DEPTH
    for offset, item in enumerate(table_rows(report)):
        row = first + offset
        bold = item.kind != "procedure"
        values = [item.number, item.label] + [figure(item.figures, column.measure) for column in COLUMNS]
        for index, value in enumerate(values, start=1):
            cell = put_cell(sheet, row, index, value)
            cell.border, cell.font = border, Font(bold=bold)
            if index == 2:
                cell.alignment = Alignment(wrap_text=True, vertical="top", indent=2 if item.kind == "procedure" else 0)
            else:
                cell.alignment = Alignment(horizontal="center", vertical="top")
            if index == last:
                cell.number_format = EXCEL_RATE_FORMAT
    sheet.freeze_panes = sheet.cell(row=first, column=3)
    sheet.print_title_rows = f"{EXCEL_HEADER_ROW}:{first - 1}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def percent_text(rate: float | None) -> str:
    """A share the Vietnamese way: 95,1 %; a dash when nothing was counted."""
    return "—" if rate is None else f"{rate * 100:.1f}".replace(".", ",") + " %"


def count_text(value: int) -> str:
    return f"{int(value):,}".replace(",", ".")


class _ReportPDF(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font("DejaVu", size=7)
        self.cell(0, 5, f"{self.footer_text} — Trang {self.page_no()}/{{nb}}", align="R")


def report_pdf(report: Report, font_dir: Path | str, printed_at: datetime, scope: str = "") -> bytes:
    """The report as an A4 landscape PDF: title, unit and period, the table with its header repeated on every
    page, the place and date line and the signatures. `font_dir` holds DejaVuSans.ttf and DejaVuSans-Bold.ttf."""
    fonts = Path(font_dir)
    pdf = _ReportPDF(orientation="L", unit="mm", format="A4")
    pdf.set_title(TITLE.capitalize())
    pdf.set_creator("motcua")
    pdf.add_font("DejaVu", "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
    pdf.set_margins(10, 10, 10)
    pdf.set_auto_page_break(True, margin=14)
    pdf.footer_text = f"{report.unit.name} — {period_text(report.start, report.end)}"
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 12)
    pdf.multi_cell(0, 6, TITLE, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 10)
    pdf.multi_cell(0, 5, report.unit.name, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    period = period_text(report.start, report.end) + (f" — {scope}" if scope else "")
    pdf.multi_cell(0, 5, period, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    _pdf_table(pdf, report)
    _pdf_signatures(pdf, report, printed_at)
    return bytes(pdf.output())


def _pdf_table(pdf: FPDF, report: Report) -> None:
    pdf.set_font("DejaVu", "", 6.5)
    widths = [column.width for column in LEAD + COLUMNS]
    bold = FontFace(emphasis="BOLD")
    with pdf.table(col_widths=widths, num_heading_rows=HEADER_DEPTH, repeat_headings=1, line_height=3.2,
                   text_align="CENTER", v_align="MIDDLE", headings_style=bold, padding=0.6) as table:
        for header in header_rows():
            row = table.row()
            for item in header:
                row.cell(item.text, align="CENTER", rowspan=item.rowspan, colspan=item.colspan)
        for item in table_rows(report):
            style = None if item.kind == "procedure" else bold
            label = ("    " + item.label) if item.kind == "procedure" else item.label
            row = table.row(style=style)
            row.cell(item.number)
            row.cell(label, align="LEFT")
            for column in COLUMNS:
                value = figure(item.figures, column.measure)
                row.cell(percent_text(value) if column.measure == RATE else count_text(value))


def _pdf_signatures(pdf: FPDF, report: Report, printed_at: datetime) -> None:
    """Nghị định 30/2020: place and date, then who drew up the report and the head of the unit."""
    local = printed_at.astimezone(VN_TZ)
    place = report.unit.place_name or "……"
    head = (report.unit.head_title or "Thủ trưởng đơn vị").upper()
    if pdf.will_page_break(40):
        pdf.add_page()
    pdf.ln(4)
    half = (pdf.w - pdf.l_margin - pdf.r_margin) / 2
    pdf.set_font("DejaVu", "", 9)
    pdf.set_x(pdf.l_margin + half)
    pdf.cell(half, 5, f"{place}, ngày {local:%d} tháng {local:%m} năm {local:%Y}", align="C",
             new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 9)
    pdf.cell(half, 5, "NGƯỜI LẬP BIỂU", align="C")
    pdf.cell(half, 5, head, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 8)
    pdf.cell(half, 4, "(Ký và ghi rõ họ tên)", align="C")
    pdf.cell(half, 4, "(Ký, ghi rõ họ tên, đóng dấu)", align="C", new_x="LMARGIN", new_y="NEXT")
