"""The tables of motcua; one module per group, all on one metadata."""
from .audit import Event
from .base import Base, UTCDateTime
from .dossiers import Dossier, DossierSequence
from .instances import Message, ProcessInstance, WorkItem
from .notifications import Notification
from .org import CalendarDay, Delegation, Membership, Role, Unit, User
from .procedures import Procedure, ProcessVersion

metadata = Base.metadata

__all__ = [
    "Base", "CalendarDay", "Delegation", "Dossier", "DossierSequence", "Event", "Membership", "Message", "Notification", "ProcessInstance",
    "Procedure", "ProcessVersion", "Role", "UTCDateTime", "Unit", "User", "WorkItem", "metadata",
]
