"""motcua's engine: procedures, dossiers, tasks and timers on SQL, running BPMN through SpiffWorkflow."""
from .accounts import authenticate, create_user, ensure_role, ensure_unit, get_unit, get_user, grant_role, roles_of
from .access import ADMIN_ROLE, DESIGNER_ROLE, LEADER_ROLES, may_view_dossier, role_keys_of, unit_ids_of, view_dossier
from .audit import dossier_events, record_event, record_refusal, refusals
from .catalog import get_procedure, list_procedures, load_procedures
from .clock import VN_TZ
from .db import make_engine, make_sessionmaker, unit_of_work
from .dossiers import CHANNELS, Receipt, get_dossier, receive_dossier
from .errors import (
    AuthenticationFailed,
    Conflict,
    Forbidden,
    InvalidProcess,
    MotcuaError,
    NotFound,
    ScriptError,
    ValidationFailed,
)
from .tasks import (
    Completion,
    claim_task,
    complete_task,
    get_work_item,
    list_work_items,
    list_work_items_with_timing,
    task_form,
    work_item_timing,
    unclaim_task,
)
from .timers import fire_due_timers

__all__ = [
    "ADMIN_ROLE", "DESIGNER_ROLE", "LEADER_ROLES", "may_view_dossier", "record_refusal", "refusals", "role_keys_of",
    "unit_ids_of", "view_dossier",
    "AuthenticationFailed", "CHANNELS", "Completion", "Conflict", "Forbidden", "InvalidProcess", "MotcuaError",
    "NotFound", "Receipt", "ScriptError", "VN_TZ", "ValidationFailed", "authenticate", "claim_task",
    "complete_task", "create_user", "dossier_events", "ensure_role", "ensure_unit", "fire_due_timers",
    "get_dossier", "get_procedure", "get_unit", "get_user", "get_work_item", "grant_role", "list_procedures",
    "list_work_items", "list_work_items_with_timing", "load_procedures", "make_engine", "make_sessionmaker", "receive_dossier", "record_event",
    "roles_of", "task_form", "unclaim_task", "unit_of_work", "work_item_timing",
]
