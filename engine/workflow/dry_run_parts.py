"""What a dry run plays with: the units and calendars read once, the version's parts, a dossier in memory."""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import spiff
from engine.spiff import simulation
from engine.infra.clock import VN_TZ
from engine.infra.errors import Conflict, ScriptError, ValidationFailed
from engine.models import Procedure, Unit
from engine.org.calendar import WorkCalendar, unit_calendar
from engine.org.due_rules import due_mover, reception_due, restarted_due
from engine.workflow.actions import AMOUNT, DUE_AMOUNT, RECEIPT
from engine.workflow.catalog import version_bundle


RECEIVING_DESK = "Bộ phận Một cửa nơi tiếp nhận hồ sơ"
SAMPLE_RECEIPT = "CT-000001"  # the receipt number a dry run's fee record carries


@dataclass(frozen=True)
class UnitInfo:
    code: str
    name: str
    calendar: WorkCalendar
    known: bool = True  # False: no such unit; the national calendar with default office hours stands in


@dataclass
class Step:
    """One line of the run: a person's step, a timer firing, a message, or a change the process made."""

    kind: str  # "task" | "timer" | "sent" | "received" | "action"
    element: str
    name: str
    part: str  # the procedure whose process ran it (partner agencies run their own)
    lane: str | None
    unit: str | None
    ready_at: datetime
    due_at: datetime | None
    finished_at: datetime | None
    verdict: str | None = None  # "early" | "on_time" | "late" (as the Phiếu kiểm soát judges a step)
    note: str = ""
    form: str | None = None


@dataclass
class SimDossier:
    code: str
    received_at: datetime
    due_at: datetime
    status: int = 2
    paused_at: datetime | None = None
    extended_due_at: datetime | None = None
    finished_at: datetime | None = None
    returned_at: datetime | None = None
    supplement_count: int = 0
    fee_due_amount: int | None = None  # đồng, once the process assessed its fee (assess_fee)

    def apply_status(self, value: str | None, now: datetime) -> None:
        """A node's `dossier_status`, as the runtime projects it (no citizen withdrawal in a dry run)."""
        if value is None or int(value) == self.status:
            return
        self.status = int(value)
        if self.status == 9 and self.finished_at is None:
            self.finished_at = now
        if self.status == 10:
            self.returned_at = now


@dataclass(frozen=True)
class Decision:
    """A gateway passed on the path and the way(s) out it took."""

    gateway: str
    gateway_name: str
    targets: tuple[str, ...]
    target_names: tuple[str, ...]


@dataclass
class Outcome:
    """What one run did: its steps in order, the path, the dossier at the end and how the run stopped."""

    received_at: datetime
    dossier: SimDossier
    steps: list[Step] = field(default_factory=list)
    path: list[tuple[str, str]] = field(default_factory=list)  # (BPMN id, name) of every element passed
    decisions: list[Decision] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    ended_at: datetime | None = None
    error: str | None = None
    error_element: str | None = None
    never_ends: bool = False

    @property
    def finished_at(self) -> datetime | None:
        """When the result was ready (status 9), else when the process ended: what the due date is held to."""
        return self.dossier.finished_at or self.ended_at

    @property
    def meets(self) -> bool | None:
        if self.finished_at is None:
            return None
        return self.finished_at <= self.dossier.due_at and self.dossier.supplement_count <= 1


def condition_names(gateway: simulation.Gateway) -> list[str]:
    """The plain names a gateway's conditions read (form fields, script results), in order."""
    names = []
    for outlet in gateway.outlets:
        try:
            tree = ast.parse(outlet.condition or "", mode="eval")
        except SyntaxError:
            continue
        names += [node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and node.id not in names]
    return names


@dataclass(eq=False)
class Part:
    """A process the run executes: the version's own, or a partner agency's that one of its messages starts."""

    label: str
    parsed: spiff.ParsedVersion
    forms: dict
    meta: dict
    unit: UnitInfo  # where the part is decided
    setting: "Setting"

    def unit_for(self, lane: str | None, override: str | None) -> UnitInfo:
        """As runtime.unit_for: the task's `unit`, else the lane's mapping in procedure.toml, deciding by default."""
        where = override or self.meta.get("lanes", {}).get(lane or "", "deciding")
        if where == "receiving":
            return self.setting.receiving
        if where == "deciding":
            return self.unit
        return self.setting.unit(where)


@dataclass(eq=False)
class Setting:
    """The version and everything a run reads from the database, read before the run starts."""

    session: Session | None
    meta: dict
    deciding: UnitInfo
    receiving: UnitInfo
    main: Part = None
    units: dict = field(default_factory=dict)
    partners: dict = field(default_factory=dict)
    samples: dict = field(default_factory=dict)  # (form id, day) -> (form, generated answers): paths share them
    checked: dict = field(default_factory=dict)  # (form id, answers) -> (form, field errors)

    @classmethod
    def build(cls, session: Session | None, meta: dict, parsed: spiff.ParsedVersion, forms: dict,
              receiving_code: str | None = None) -> "Setting":
        setting = cls(session, meta, None, None)  # type: ignore[arg-type]
        setting.deciding = setting.unit(str(meta.get("deciding_unit") or receiving_code or ""))
        deciding = setting.deciding  # no desk chosen: the desk that receives it, on the deciding unit's calendar
        setting.receiving = setting.unit(receiving_code) if receiving_code else UnitInfo(
            deciding.code, RECEIVING_DESK, deciding.calendar, deciding.known)
        setting.main = Part(str(meta.get("name") or parsed.process_id), parsed, forms, meta, setting.deciding,
                            setting)
        for info in parsed.user_tasks.values():  # read every unit a lane names now, not in the middle of a run
            setting.main.unit_for(info.lane, info.properties.get("unit"))
        return setting

    def unit(self, code: str) -> UnitInfo:
        if code not in self.units:
            row = self.session.scalar(select(Unit).where(Unit.code == code)) if self.session and code else None
            self.units[code] = UnitInfo(row.code, row.name, unit_calendar(self.session, row.id)) if row else \
                UnitInfo(code, code or "—", WorkCalendar(), known=False)
        return self.units[code]

    def reception_due(self, received_at: datetime) -> datetime:
        return reception_due(self.deciding.calendar, received_at, self.meta)

    def code(self, received_at: datetime) -> str:
        return f"{self.receiving.code or 'CHAY-THU'}-{received_at.astimezone(VN_TZ):%y%m%d}-0000"

    def partner_for(self, message: str) -> Part | None:
        """The active procedure whose process a message starts (as the liên thông bus finds it), if any."""
        if message not in self.partners:
            self.partners[message] = None
            rows = self.session.execute(select(Procedure.name, Procedure.active_version_id, Unit.code).outerjoin(
                Unit, Unit.id == Procedure.deciding_unit_id).where(Procedure.active_version_id.is_not(None))
            ) if self.session else []
            for name, version_id, unit_code in rows:
                bundle = version_bundle(self.session, version_id)
                if bundle.parsed.process_id != self.main.parsed.process_id \
                        and message in spiff.start_message_names(bundle.parsed):
                    unit = self.unit(unit_code) if unit_code else self.deciding
                    self.partners[message] = Part(name, bundle.parsed, bundle.forms, bundle.meta, unit, self)
                    break
        return self.partners[message]


def apply_action(setting: Setting, dossier: SimDossier, props: dict, data: dict, now: datetime, shift) -> str:
    """A node's `dossier_action` on the dossier in memory, as engine.onestop.actions does it on the stored one;
    returns what happened, in words. `shift(move)` moves the waiting timers when the due date moves."""
    action, calendar = props["dossier_action"], setting.deciding.calendar
    if action in ("request_supplement", "pause_clock"):
        if action == "request_supplement" and not (data.get("thanh_phan_bo_sung") and
                                                   str(data.get("ly_do_bo_sung", "")).strip()):
            raise ValidationFailed("Phiếu yêu cầu bổ sung chưa hợp lệ: cần thành phần cần bổ sung và lý do.")
        if dossier.paused_at is not None:
            raise Conflict(f"Hồ sơ {dossier.code} đang tạm dừng tính thời gian.")
        dossier.status = 5 if action == "request_supplement" else int(props.get("dossier_status", 6))
        dossier.paused_at = now
        dossier.supplement_count += action == "request_supplement"
        return f"Tạm dừng tính thời gian (trạng thái {dossier.status})."
    if action in ("supplement_received", "resume_clock"):
        if dossier.paused_at is None:
            raise Conflict(f"Hồ sơ {dossier.code} không ở trạng thái tạm dừng tính thời gian.")
        policy = setting.meta.get("supplement_policy", "pause") if action == "supplement_received" else "pause"
        old_due = dossier.due_at
        new_due = restarted_due(calendar, policy, old_due, dossier.paused_at, now,
                                Decimal(str(setting.meta["time_limit"])), setting.meta.get("cutoff_hour", "15:00"),
                                setting.meta.get("time_limit_unit", "working_days"))
        if new_due != old_due:
            move = due_mover(calendar, old_due, new_due)
            shift(move)
            if dossier.extended_due_at is not None:
                dossier.extended_due_at = move(dossier.extended_due_at)
        dossier.due_at, dossier.paused_at, dossier.status = new_due, None, 4
        return f"Tính tiếp thời gian; hạn giải quyết: {new_due.astimezone(VN_TZ):%H:%M %d/%m/%Y}."
    if action == "extend_due":
        try:
            new_day = date.fromisoformat(str(data.get("ngay_hen_moi", "")))
        except ValueError:
            raise ValidationFailed("Văn bản xin lỗi chưa có ngày hẹn mới hợp lệ.") from None
        new_due = calendar.end_of_day(new_day)
        if new_due <= (dossier.extended_due_at or dossier.due_at):
            raise ValidationFailed("Ngày hẹn mới phải sau hạn giải quyết hiện tại.")
        dossier.extended_due_at = new_due
        return f"Gia hạn (văn bản xin lỗi): hạn mới {new_due.astimezone(VN_TZ):%H:%M %d/%m/%Y}."
    if action == "notify":
        return "Thông báo cho người nộp (khi chạy thử không gửi)."
    if action == "assess_fee":  # engine.onestop.fees: the amount the process computed becomes the fee due
        due = data.get(DUE_AMOUNT)
        if due is None:
            return "Quy trình không tính mức phí phải thu."
        if isinstance(due, float) and due.is_integer():
            due = int(due)
        dossier.fee_due_amount = due if isinstance(due, int) and not isinstance(due, bool) else None
        return f"Mức phí phải thu: {_amount(due)}."
    if action == "record_fee":
        return _fee_record(dossier, data)
    raise ScriptError(f"Hành động hồ sơ '{action}' không được hỗ trợ.")


def fee_sample(form: dict | None, dossier: SimDossier) -> dict:
    """What the officer enters in the fee step when the designer typed nothing: the fee the process assessed
    (the real form starts from it) and a receipt number the run's record shows as a sample."""
    fields = (form or {}).get("properties") or {}
    sample = {RECEIPT: SAMPLE_RECEIPT} if RECEIPT in fields else {}
    if AMOUNT in fields and dossier.fee_due_amount is not None:
        sample[AMOUNT] = dossier.fee_due_amount
    return sample


def _fee_record(dossier: SimDossier, data: dict) -> str:
    """The fee record the fee step leaves, in words: the amount against the fee due, and the receipt."""
    amount, receipt = data.get(AMOUNT), str(data.get(RECEIPT) or "").strip()
    paid = _amount(amount) if amount is not None else "(chưa ghi số tiền)"
    due = dossier.fee_due_amount
    if due is None:
        against = " (quy trình không tính mức phí phải thu)"
    else:
        against = " (đúng mức phải thu)" if amount == due else f" (khác mức phải thu {_amount(due)})"
    if not receipt:
        return f"Ghi nhận thu phí {paid}{against}, chưa có số biên lai."
    sample = " (số biên lai mẫu khi chạy thử)" if receipt == SAMPLE_RECEIPT else ""
    return f"Ghi nhận thu phí {paid}{against}, biên lai số {receipt}{sample}."


def _amount(value) -> str:
    """A sum of đồng grouped the Vietnamese way (2.000 đồng), as the fee pages print it."""
    try:
        return f"{int(Decimal(str(value))):,} đồng".replace(",", ".")
    except (ArithmeticError, ValueError):
        return f"{value} đồng"
