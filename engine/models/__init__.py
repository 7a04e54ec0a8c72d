"""The tables of motcua; one module per group, all on one metadata."""
from .audit import Event
from .base import Base, UTCDateTime
from .dossiers import SEARCH_WORDS_INDEX, SEARCH_WORDS_TABLE, Dossier, DossierSequence, RegisterSequence
from .instances import Message, ProcessInstance, WorkItem
from .letters import DossierLetter
from .notifications import Notification
from .org import CalendarDay, Delegation, Membership, Role, Unit, User
from .procedures import Procedure, ProcessVersion
from .records import ApiToken, Attachment, Evaluation, IntakeSlip
from .stats import COUNTS, GRAINS, DossierStat
from .submissions import FormSubmission, IdempotencyKey

metadata = Base.metadata
UNMODELLED_INDEXES = frozenset({SEARCH_WORDS_INDEX})  # made by migrations for one backend; schema comparisons skip them


def modelled(name, type_, parent_names) -> bool:
    """Alembic's include_name: everything but the unmodelled indexes and SQLite's full-text index tables."""
    if type_ == "table" and name and name.startswith(SEARCH_WORDS_TABLE):
        return False
    return not (type_ == "index" and name in UNMODELLED_INDEXES)

__all__ = [
    "ApiToken", "Attachment", "Base", "CalendarDay", "Evaluation", "IntakeSlip", "Delegation", "Dossier", "DossierLetter", "DossierSequence", "Event", "Membership", "Message", "Notification", "ProcessInstance",
    "Procedure", "ProcessVersion", "Role", "UTCDateTime", "Unit", "User", "WorkItem", "metadata",
    "FormSubmission", "IdempotencyKey", "RegisterSequence",  # reception: register numbers, repeat-proof submissions
    "COUNTS", "GRAINS", "DossierStat",  # report counters
    "UNMODELLED_INDEXES", "SEARCH_WORDS_TABLE", "modelled",  # search: the full-text index of PostgreSQL
]
