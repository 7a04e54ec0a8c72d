"""What a BPMN node may ask of its dossier through the `dossier_action` property, with the data it reads."""
from __future__ import annotations

from datetime import date

from engine.infra.errors import ValidationFailed
from engine.onestop.fees import assess_fee, record_fee_step
from engine.onestop.legal_clock import restart_clock, stop_clock
from engine.onestop.lifecycle import extend_dossier_due, mark_supplement_requested
from engine.onestop.notices import queue_for_dossier


def extend_due(run, props: dict, data: dict) -> None:
    """Mẫu 04 signed: `ngay_hen_moi` becomes the extended due date (the original stays for statistics),
    `ly_do_cham` goes into the apology sent to the citizen."""
    try:
        new_day = date.fromisoformat(str(data.get("ngay_hen_moi", "")))
    except ValueError:
        raise ValidationFailed("Văn bản xin lỗi chưa có ngày hẹn mới hợp lệ.",
                               {"ngay_hen_moi": ["Ngày hẹn mới không hợp lệ."]}) from None
    extend_dossier_due(run.session, run.dossier, new_day, data.get("ly_do_cham", ""), run.actor_id, run.now,
                       instance_id=run.instance.id, field="ngay_hen_moi",
                       legal_ground=str(data.get("can_cu_phap_ly", "")),
                       confirmed_long=data.get("xac_nhan_han_dai") is True, ground_field="can_cu_phap_ly",
                       confirm_field="xac_nhan_han_dai")


def request_supplement(run, props: dict, data: dict) -> None:
    """Mẫu 02 during processing: `thanh_phan_bo_sung` (list or text) and `ly_do_bo_sung`; status 5."""
    missing = data.get("thanh_phan_bo_sung") or []
    missing = [missing] if isinstance(missing, str) else list(missing)
    reason = str(data.get("ly_do_bo_sung", "")).strip()
    if not missing or not reason:
        raise ValidationFailed("Phiếu yêu cầu bổ sung chưa hợp lệ.",
                               {"thanh_phan_bo_sung": ["Liệt kê thành phần cần bổ sung."]} if not missing
                               else {"ly_do_bo_sung": ["Bắt buộc nêu lý do."]})
    mark_supplement_requested(run.session, run.dossier, missing, reason, run.now, run.actor_id, run.instance.id)


def supplement_received(run, props: dict, data: dict) -> None:
    """The citizen supplemented: the clock restarts per the procedure's supplement policy."""
    restart_clock(run.session, run.dossier, run.now, run.actor_id, run.bundle.meta.get("supplement_policy", "pause"),
                  current=run)


def pause_clock(run, props: dict, data: dict) -> None:
    """Time the law does not count (e.g. status 6 while the citizen pays the tax notice)."""
    stop_clock(run.session, run.dossier, int(props.get("dossier_status", 6)), run.now, run.actor_id,
               props.get("reason", "Chờ thực hiện nghĩa vụ tài chính"), run.instance.id)


def resume_clock(run, props: dict, data: dict) -> None:
    restart_clock(run.session, run.dossier, run.now, run.actor_id, "pause", current=run)


def notify(run, props: dict, data: dict) -> None:
    """Tell the citizen: `notification_kind` names the template (e.g. result_ready)."""
    queue_for_dossier(run.session, run.dossier, props.get("notification_kind", "result_ready"), run.now)


ACTIONS = {
    "extend_due": extend_due,
    "request_supplement": request_supplement,
    "supplement_received": supplement_received,
    "pause_clock": pause_clock,
    "resume_clock": resume_clock,
    "notify": notify,
    "assess_fee": assess_fee,  # the fee step's start: the amount the process computed (onestop.fees)
    "record_fee": record_fee_step,  # the fee step's end: the dossier's fee record
}
