"""Fees and charges (phí, lệ phí): the amount recorded once per dossier, and how amounts in đồng are written."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from engine.infra.audit import record_event
from engine.infra.errors import Conflict, ValidationFailed
from engine.models import Dossier
from engine.onestop.lifecycle import STATE_RULES, dossier_for_action

MAX_FEE = 10**13  # đồng: above any levy, so a slip of the keyboard is caught before it reaches the register


def record_fee(session: Session, code: str, amount: int, receipt_no: str, actor_id: int, now: datetime) -> Dossier:
    """The one-stop desk of the receiving unit records the fee paid, once, with its receipt number."""
    dossier = dossier_for_action(session, code, actor_id, "record_fee")
    errors = {}
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
        errors["amount"] = ["Số tiền phải là số nguyên không âm (đồng)."]
    elif amount > MAX_FEE:
        errors["amount"] = [f"Số tiền không được vượt quá {format_amount(MAX_FEE)}."]
    if not receipt_no or not receipt_no.strip():
        errors["receipt_no"] = ["Bắt buộc nhập số biên lai."]
    elif len(receipt_no.strip()) > 100:
        errors["receipt_no"] = ["Số biên lai dài quá 100 ký tự."]
    if errors:
        raise ValidationFailed("Thông tin thu phí chưa hợp lệ.", errors)
    if dossier.fee_paid_amount is not None:
        raise Conflict(f"Hồ sơ {code} đã được ghi nhận thu phí (biên lai số {dossier.fee_receipt_no}).")
    if not STATE_RULES["record_fee"](dossier):
        raise Conflict(f"Hồ sơ {code} đang ở trạng thái {dossier.status}, không thể thu phí.")
    dossier.fee_paid_amount, dossier.fee_receipt_no, dossier.fee_paid_at = amount, receipt_no.strip(), now
    record_event(session, action="fee_recorded", at=now, actor_id=actor_id, dossier_id=dossier.id,
                 detail={"amount": amount, "receipt_no": dossier.fee_receipt_no})
    session.flush()
    return dossier


def group_thousands(number) -> str:
    """A whole number with Vietnamese thousands separators: 1.500.000."""
    return f"{int(number):,}".replace(",", ".")


def format_amount(amount) -> str:
    """A sum of đồng the Vietnamese way: 1.500.000 đồng."""
    if amount is None:
        return "—"
    return group_thousands(amount) + " đồng"
