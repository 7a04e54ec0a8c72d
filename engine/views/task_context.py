"""What a task page shows around its form: the dossier, earlier steps with their notes, the delegate's signature."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.infra.errors import NotFound
from engine.org import access
from engine.onestop.delegations import SIGNATURE_FORMS
from engine.onestop.fees import group_thousands
from engine.infra.clock import VN_TZ
from engine.models import Dossier, Role, Unit, User, WorkItem
from engine.workflow.tasks import task_forms


@dataclass(frozen=True)
class TaskAccess:
    """How the user stands to a work item: works it (by role or delegation), and/or leads its unit."""

    item: WorkItem
    may_work: bool
    may_assign: bool


@dataclass(frozen=True)
class Note:
    title: str
    value: str


@dataclass(frozen=True)
class StepRecord:
    """One completed step as the dossier's later handlers read it."""

    item_id: int
    name: str
    completed_at: datetime | None
    completed_by: str
    signature_form: str | None  # TUQ. / KT. … when completed under a delegation
    on_behalf_of: str | None  # the delegator's full name
    verdict: str | None
    notes: list[Note]

    @property
    def signature(self) -> str | None:
        """e.g. "TUQ. Lê Hoàng Nam"."""
        return f"{self.signature_form} {self.on_behalf_of}" if self.on_behalf_of else None


@dataclass(frozen=True)
class DossierContext:
    dossier: Dossier
    components: list[dict]
    steps: list[StepRecord]


@dataclass(frozen=True)
class SignatureBlock:
    """The signature of a delegate's completion: 'TUQ. GIÁM ĐỐC' above, the signer's name below."""

    form: str  # TUQ. / KT. / TL. / Q.
    form_label: str  # Thừa ủy quyền …
    title: str  # the delegator's role, e.g. "Lãnh đạo đơn vị"
    delegator: str
    signer: str
    unit: str
    item: WorkItem


def open_task(session: Session, item_id: int, user_id: int, now: datetime) -> TaskAccess:
    """A work item its role holders and delegates may work, and its unit's leaders may see and reassign."""
    item = session.get(WorkItem, item_id)
    if item is None:
        raise NotFound(f"Không có công việc #{item_id}.")
    works, leads = access.check_open_task(access.grants_of(session, user_id), item, item.dossier.procedure_id, now)
    return TaskAccess(item, works, leads)


def dossier_context(session: Session, item: WorkItem) -> DossierContext:
    """The item's dossier, its components and every step completed before this one, oldest first."""
    earlier = list(session.scalars(
        select(WorkItem).where(WorkItem.dossier_id == item.dossier_id, WorkItem.state == "completed",
                               WorkItem.id != item.id)
        .order_by(WorkItem.completed_at, WorkItem.id)))
    return DossierContext(item.dossier, list(item.dossier.components or []), step_records(session, earlier))


def step_records(session: Session, items: list[WorkItem]) -> list[StepRecord]:
    """Completed items with who did them and what they submitted, labelled by their forms' field titles."""
    if not items:
        return []
    names = _names(session, {i.completed_by_id for i in items} | {i.on_behalf_of_id for i in items})
    forms = task_forms(session, [i for i in items if i.data])  # one query however long the history
    records = []
    for item in items:
        records.append(StepRecord(item.id, item.name, item.completed_at, names.get(item.completed_by_id, "—"),
                                  item.signature_form, names.get(item.on_behalf_of_id),
                                  item.verdict, labelled_notes(forms.get(item.id, (None, None)), item.data or {})))
    return records


def signature_block(session: Session, item_id: int, user_id: int, now: datetime) -> SignatureBlock:
    """The signature form of a step completed under a delegation, for the delegate, the delegator, or an
    official who may see the dossier."""
    item = session.get(WorkItem, item_id)
    if item is None or item.state != "completed" or item.on_behalf_of_id is None:
        raise NotFound("Công việc này không được hoàn thành theo ủy quyền.")
    if user_id not in (item.completed_by_id, item.on_behalf_of_id):
        access.check_view_dossier(session, access.grants_of(session, user_id), item.dossier, now,
                                  "chữ ký của công việc này")
    names = _names(session, {item.completed_by_id, item.on_behalf_of_id})
    role = session.scalar(select(Role.name).where(Role.key == item.role_key)) or item.role_key
    unit = session.scalar(select(Unit.name).where(Unit.id == item.unit_id)) or ""
    return SignatureBlock(item.signature_form or "", SIGNATURE_FORMS.get(item.signature_form or "", ""), role,
                          names.get(item.on_behalf_of_id, ""), names.get(item.completed_by_id, ""), unit, item)


PREFILL_FIELDS = ("return_method", "return_address", "code", "fee_due_amount")  # dossier fields a form may start from


def prefilled(dossier: Dossier, ui: dict | None) -> dict:
    """What a step's form starts with, taken from the dossier where its UI schema says `ui:prefill` (a dossier
    field or `applicant.<key>`), translated by `ui:prefillMap`: e.g. the handover starts with the return method
    and the recipient registered at reception. The official may still change it."""
    values = {}
    for name, options in (ui or {}).items():
        source = options.get("ui:prefill") if isinstance(options, dict) else None
        if not isinstance(source, str):
            continue
        head, _, key = source.partition(".")
        value = (dossier.applicant or {}).get(key) if head == "applicant" else \
            getattr(dossier, source, None) if source in PREFILL_FIELDS else None
        mapping = options.get("ui:prefillMap")
        if isinstance(mapping, dict):
            value = mapping.get(value)
        if value not in (None, ""):
            values[name] = f"{options.get('ui:prefillPrefix', '')}{value}" if isinstance(value, str) else value
    return values


def labelled_notes(form: tuple[dict | None, dict | None], data: dict) -> list[Note]:
    """Submitted values in the form's field order, with titles and enum labels where the form gives them."""
    if not data:
        return []
    schema, ui = form
    properties, ui = (schema or {}).get("properties", {}), ui or {}
    order = [name for name in ui.get("ui:order", []) if name in data]
    order += [name for name in properties if name in data and name not in order]
    order += [name for name in data if name not in order]
    return [Note(properties.get(name, {}).get("title") or name,
                 _shown(data[name], properties.get(name, {}), ui.get(name, {}))) for name in order
            if data[name] not in (None, "", [])]


def _shown(value, spec: dict, ui: dict) -> str:
    """A value as an official reads it: enum titles, Có/Không, dd/mm/yyyy, grouped numbers."""
    enum = spec.get("enum") or (spec.get("items") or {}).get("enum") or []
    names = ui.get("ui:enumNames") or spec.get("enumNames") or (spec.get("items") or {}).get("enumNames") or []
    labels = dict(zip(enum, names))
    for option in spec.get("oneOf") or spec.get("anyOf") or []:  # {"const": …, "title": …} choices
        if isinstance(option, dict) and "const" in option and option.get("title"):
            labels.setdefault(option["const"], option["title"])
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, list):
        return "; ".join(_shown(v, spec.get("items") or {}, {"ui:enumNames": names}) for v in value)
    if isinstance(value, (int, float)) and value in labels:
        return str(labels[value])
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return group_thousands(value)
    if isinstance(value, float):
        whole, _, decimals = f"{value:.2f}".partition(".")
        return f"{group_thousands(int(whole))},{decimals.rstrip('0')}".rstrip(",")
    if isinstance(value, str):
        return labels.get(value) or _date_text(value, spec.get("format")) or value
    return str(labels.get(value, value))


def _date_text(value: str, kind: str | None) -> str | None:
    """An ISO date or date-time as dd/mm/yyyy (HH:MM in Vietnam time); None when it is not one."""
    if kind not in ("date", "date-time"):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if kind == "date":
        return moment.strftime("%d/%m/%Y")
    return (moment.astimezone(VN_TZ) if moment.tzinfo else moment).strftime("%d/%m/%Y %H:%M")


def _names(session: Session, user_ids: set[int | None]) -> dict[int, str]:
    ids = [i for i in user_ids if i]
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.full_name).where(User.id.in_(ids))).all())
