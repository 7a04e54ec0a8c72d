"""The national dossier status codes (1–10), how officials and citizens read them, and whether a dossier is
finished or overdue: the one definition every page, the register and the citizen's lookup share."""
from __future__ import annotations

from datetime import datetime

from engine.models import Dossier
from engine.workflow.tasks import verdict as step_verdict

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
SUBMITTED, REFUSED = 1, 3  # an online dossier waits at 1 until the desk receives (2) or refuses it (3)
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


def on_time_verdict(dossier: "Dossier") -> str | None:
    """The dossier's verdict once it has an end time (processed, stopped after a withdrawal or by the
    authority): judged against the legal due date, never the extended one, as its steps are judged on the
    Phiếu kiểm soát (early: done on an earlier day than the due date; on time: by the due instant; late).
    More than one supplement request during processing counts as late. A dossier refused at intake (3)
    never had a due date: no verdict."""
    if dossier.finished_at is None or dossier.due_at is None:
        return None
    if dossier.supplement_count > 1:
        return "late"
    return step_verdict(dossier.due_at, dossier.finished_at)
