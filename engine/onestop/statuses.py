"""The national dossier status codes (1–10), how officials and citizens read them, and whether a dossier is
finished or overdue: the one definition every page, the register and the citizen's lookup share."""
from __future__ import annotations

from datetime import datetime

from engine.models import Dossier

STATUS_LABELS = {
    1: "Mới đăng ký",
    2: "Được tiếp nhận",
    3: "Không được tiếp nhận",
    4: "Đang xử lý",
    5: "Yêu cầu bổ sung giấy tờ",
    6: "Yêu cầu thực hiện nghĩa vụ tài chính",
    7: "Công dân yêu cầu rút hồ sơ",
    8: "Dừng xử lý",
    9: "Đã xử lý xong",
    10: "Đã trả kết quả",
}
VERDICT_LABELS = {"early": "Trước hạn", "on_time": "Đúng hạn", "late": "Quá hạn"}
FINISHED_STATUSES = frozenset({3, 8, 9, 10})  # refused, stopped, processed, result returned: no clock runs
RETURN_METHODS = {"desk": "Tại Bộ phận Một cửa", "postal": "Qua dịch vụ bưu chính công ích"}


def status_label(code: int | None) -> str:
    return STATUS_LABELS.get(code, "—") if code is not None else "—"


def effective_due(dossier: "Dossier") -> datetime | None:
    """The date the citizen was last promised: the extended one after an apology (Mẫu 04), else the original."""
    return dossier.extended_due_at or dossier.due_at


def is_finished(dossier: "Dossier") -> bool:
    return dossier.status in FINISHED_STATUSES


def is_overdue(dossier: "Dossier", now: datetime) -> bool:
    """Still open, its clock running (not paused for a supplement or payment) and past its effective due date."""
    due = effective_due(dossier)
    return not is_finished(dossier) and dossier.paused_at is None and due is not None and due < now
