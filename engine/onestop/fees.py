"""Fees and charges (phí, lệ phí): the amount a process computes, the one fee record of a dossier (written by the
process's fee step, or at the desk for a process without one), and how amounts in đồng are written."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from engine.infra.audit import record_event
from engine.infra.errors import Conflict, ValidationFailed
from engine.models import Dossier
from engine.onestop.lifecycle import STATE_RULES, dossier_for_action
from engine.workflow.actions import AMOUNT, DUE_AMOUNT, DUE_BASIS, METHOD, REASON, RECEIPT  # noqa: F401
from engine.workflow.catalog import version_bundle

MAX_FEE = 10**13  # đồng: above any levy, so a slip of the keyboard is caught before it reaches the register
FEE_STEP_ACTION = "record_fee"  # the dossier_action of the node ending a process's fee step (common_thu_phi)
REASON_MAX = 500


def record_fee(session: Session, code: str, amount: int, receipt_no: str, actor_id: int, now: datetime) -> Dossier:
    """The one-stop desk of the receiving unit records the fee paid, once, with its receipt number; not for a
    dossier whose process has a fee step (that step is its record)."""
    dossier = dossier_for_action(session, code, actor_id, "record_fee")
    errors = _amount_errors(amount, "amount") | _receipt_errors(receipt_no, "receipt_no")
    if errors:
        raise ValidationFailed("Thông tin thu phí chưa hợp lệ.", errors)
    if dossier.fee_paid_amount is not None:
        raise Conflict(f"Hồ sơ {code} đã được ghi nhận thu phí (biên lai số {dossier.fee_receipt_no}).")
    if fee_in_steps(session, dossier):
        raise Conflict(f"Phí, lệ phí của hồ sơ {code} được thu ở bước thu phí của quy trình, không ghi nhận riêng.")
    if not STATE_RULES["record_fee"](dossier):
        raise Conflict(f"Hồ sơ {code} đang ở trạng thái {dossier.status}, không thể thu phí.")
    _write(session, dossier, amount, receipt_no.strip(), actor_id, now, {})
    return dossier


def fee_in_steps(session: Session, dossier: Dossier) -> bool:
    """Whether the dossier's process records its fee in a step (a node with dossier_action record_fee)."""
    parsed = version_bundle(session, dossier.process_version_id).parsed
    return any(node.properties.get("dossier_action") == FEE_STEP_ACTION for node in parsed.nodes)


def assess_fee(run, props: dict, data: dict) -> None:
    """dossier_action `assess_fee` (the fee step's start): the amount the process computed (`le_phi_phai_thu`,
    how: `cach_tinh_phi`) becomes the dossier's fee due, which the fee step's form starts from."""
    amount = data.get(DUE_AMOUNT)
    if amount is None:
        return  # a process that computes no amount: the officer enters what the published fee schedule says
    if isinstance(amount, float) and amount.is_integer():
        amount = int(amount)
    if _amount_errors(amount, DUE_AMOUNT):
        raise ValidationFailed("Mức phí quy trình tính ra không hợp lệ.",
                               {DUE_AMOUNT: [f"Phải là số đồng nguyên không âm, không quá {format_amount(MAX_FEE)}."]})
    dossier = run.dossier
    basis = str(data.get(DUE_BASIS) or "").strip()[:255] or None
    dossier.fee_due_amount, dossier.fee_due_basis = amount, basis


def record_fee_step(run, props: dict, data: dict) -> None:
    """dossier_action `record_fee` (the fee step's end): what the officer entered is the dossier's fee record; an
    amount other than the one the process computed needs its reason."""
    dossier = run.dossier
    amount, receipt_no = data.get(AMOUNT), str(data.get(RECEIPT) or "").strip()
    reason = " ".join(str(data.get(REASON) or "").split())
    errors = _amount_errors(amount, AMOUNT) | _receipt_errors(receipt_no, RECEIPT)
    if dossier.fee_due_amount is not None and amount != dossier.fee_due_amount and not reason:
        errors.setdefault(REASON, []).append(
            f"Số tiền khác mức phải thu theo quy trình ({format_amount(dossier.fee_due_amount)}): hãy nêu lý do.")
    elif len(reason) > REASON_MAX:
        errors.setdefault(REASON, []).append(f"Tối đa {REASON_MAX} ký tự.")
    if dossier.fee_paid_amount is not None and dossier.fee_receipt_no != receipt_no:
        errors.setdefault(RECEIPT, []).append(
            f"Hồ sơ đã ghi nhận thu phí với biên lai số {dossier.fee_receipt_no}; nhập đúng số biên lai đó.")
    if errors:
        raise ValidationFailed("Thông tin thu phí chưa hợp lệ.", errors)
    if dossier.fee_paid_amount is None:
        detail = {"method": data.get(METHOD), **({"reason": reason} if reason else {}),
                  **({"due": dossier.fee_due_amount} if dossier.fee_due_amount is not None else {})}
        _write(run.session, dossier, amount, receipt_no, run.actor_id, run.now, detail, run.instance.id)


def _write(session: Session, dossier: Dossier, amount: int, receipt_no: str, actor_id: int | None, now: datetime,
           detail: dict, instance_id: int | None = None) -> None:
    dossier.fee_paid_amount, dossier.fee_receipt_no, dossier.fee_paid_at = amount, receipt_no, now
    record_event(session, action="fee_recorded", at=now, actor_id=actor_id, dossier_id=dossier.id,
                 instance_id=instance_id, detail={"amount": amount, "receipt_no": receipt_no, **detail})
    session.flush()


def _amount_errors(amount, field: str) -> dict[str, list[str]]:
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
        return {field: ["Số tiền phải là số nguyên không âm (đồng)."]}
    if amount > MAX_FEE:
        return {field: [f"Số tiền không được vượt quá {format_amount(MAX_FEE)}."]}
    return {}


def _receipt_errors(receipt_no: str, field: str) -> dict[str, list[str]]:
    if not receipt_no or not receipt_no.strip():
        return {field: ["Bắt buộc nhập số biên lai."]}
    if len(receipt_no.strip()) > 100:
        return {field: ["Số biên lai dài quá 100 ký tự."]}
    return {}


def group_thousands(number) -> str:
    """A whole number with Vietnamese thousands separators: 1.500.000."""
    return f"{int(number):,}".replace(",", ".")


def format_amount(amount) -> str:
    """A sum of đồng the Vietnamese way: 1.500.000 đồng."""
    if amount is None:
        return "—"
    return group_thousands(amount) + " đồng"
