"""Reception through the integration API: only a one-stop desk officer receives, at a unit where they hold it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .dossiers import Receipt, receive_dossier
from .errors import ValidationFailed
from .intake import check_desk, reception_units
from .models import Unit, User, WorkItem


def desk_unit_code(session: Session, user_id: int, unit_code: str | None) -> str:
    """The unit the caller receives for: the one named (they must hold mot_cua there) or their only desk."""
    try:
        return check_desk(session, user_id, unit_code).code
    except ValidationFailed as exc:  # several desks and none named: say which field of the API body is missing
        codes = ", ".join(sorted(unit.code for unit in reception_units(session, user_id)))
        raise ValidationFailed(exc.message, {"receiving_unit_code": [
            f"Bắt buộc khi bạn làm Một cửa ở nhiều đơn vị: {codes}."]}) from exc


def receive_for_integration(session: Session, *, actor_id: int, procedure_code: str, applicant: dict,
                            channel: str, received_at: datetime, now: datetime,
                            receiving_unit_code: str | None = None, components: list[str] | None = None,
                            return_method: str = "desk", return_address: str = "") -> Receipt:
    """Receive a dossier sent by another system (e.g. the national portal) on behalf of a desk officer."""
    unit_code = desk_unit_code(session, actor_id, receiving_unit_code)
    return receive_dossier(session, procedure_code=procedure_code, applicant=applicant, channel=channel,
                           received_at=received_at, receiving_unit_code=unit_code, actor_id=actor_id, now=now,
                           components=components, return_method=return_method, return_address=return_address)


def names_for_items(session: Session, items: list[WorkItem]) -> dict[int, tuple[str, str | None]]:
    """Per work item: its unit's code and its assignee's username (None when unclaimed), in two queries."""
    unit_codes = dict(session.execute(select(Unit.id, Unit.code)
                                      .where(Unit.id.in_({i.unit_id for i in items}))).all()) if items else {}
    assignees = {i.assignee_id for i in items if i.assignee_id is not None}
    usernames = dict(session.execute(select(User.id, User.username)
                                     .where(User.id.in_(assignees))).all()) if assignees else {}
    return {i.id: (unit_codes.get(i.unit_id, ""), usernames.get(i.assignee_id)) for i in items}
