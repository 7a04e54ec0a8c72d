"""motcua's engine: what the web app, the command line and the worker may call.

Packages, lowest first: `models` (tables) and `spiff` (the one door to SpiffWorkflow); `infra` (database,
settings, clock, errors, audit trail); `org` (units, users, roles, calendars, delegations, the access policy);
`workflow` (catalogue, runtime, tasks, timers, messages); `onestop` (reception, lifecycle, legal clock, fees,
notices); `views` (read models); `worker` and `demo` on top. This module is the composition root: it hands
the one-stop action table to the workflow core, and the web layer imports only the names below.
"""
from engine.infra import clock
from engine.infra.migrate import current_revision, upgrade as upgrade_database
from engine.infra.audit import dossier_events, record_event, record_refusal, refusals
from engine.infra.clock import VN_TZ
from engine.infra.db import make_engine, make_sessionmaker, unit_of_work
from engine.infra.errors import (
    AuthenticationFailed,
    Conflict,
    Forbidden,
    InvalidProcess,
    MotcuaError,
    NotFound,
    ScriptError,
    ValidationFailed,
)
from engine.infra.settings import Settings, from_environ
from engine.onestop.actions import ACTIONS
from engine.onestop.attachments import check_upload, list_attachments, read_attachment, store_attachment
from engine.onestop.dossiers import get_dossier, may_reset_lookup_secret, reset_lookup_secret, view_dossier
from engine.onestop.fees import format_amount, group_thousands, record_fee
from engine.onestop.intake_slips import get_intake_slip, issue_intake_slip, parent_unit, receiving_officer, slip_parties
from engine.onestop.lifecycle import (
    dossier_actions,
    handover_item,
    issue_extension,
    on_time_verdict,
    record_supplement,
    request_supplement,
    request_withdrawal,
    stop_dossier,
)
from engine.infra.mail import sms_adapter_from
from engine.onestop.reception import (
    APPLICANT_SCHEMA,
    CHANNELS,
    Receipt,
    Upload,
    desk_unit,
    receive_at_desk,
    receive_dossier,
    receive_for_integration,
    require_desk,
)
from engine.onestop.statuses import RETURN_METHODS, STATUS_LABELS, VERDICT_LABELS, is_overdue, status_label
from engine.org.access import ADMIN_ROLE, DESIGNER_ROLE, LEADER_ROLES, grants_of
from engine.org.accounts import (
    authenticate,
    create_user,
    ensure_role,
    ensure_unit,
    get_unit,
    get_user,
    grant_role,
    user_by_username,
)
from engine.org.tokens import issue_token, list_tokens, user_id_for_token, withdraw_token
from engine.org.roles import create_role, list_roles, rename_role
from engine.org.units import LEVELS as UNIT_LEVELS
from engine.org.units import create_unit, unit_form, unit_tree
from engine.org.calendar_admin import add_calendar_override, calendar_year, preview_due, remove_calendar_override
from engine.org.users import (
    account_page,
    add_membership,
    create_account,
    credential_stamp,
    list_accounts,
    remove_membership,
    rename_account,
    require_admin,
    reset_password,
    set_account_active,
)
from engine.onestop.delegations import SIGNATURE_FORMS, create_delegation, delegations_page, revoke_delegation
from engine.onestop.delegations import STATE_LABELS as DELEGATION_STATE_LABELS
from engine.views.inbox import MAX_PER_PAGE as INBOX_MAX_PER_PAGE
from engine.views.inbox import VIEWS, Timing, list_inbox, names_for_items, work_item_timing
from engine.views.lookup import COMMENT_MAX, RATINGS, lookup_dossier, rate_dossier
from engine.views.audit_trail import ACTION_NAMES as AUDIT_ACTION_NAMES
from engine.views.audit_trail import AuditFilter, audit_trail, audit_workbook
from engine.views.operations import (
    dossier_operations,
    operations_overview,
    queued_messages,
    queued_notifications,
    troubled_instances,
    unassignable_items,
)
from engine.views.register import COLUMNS, register_rows, register_units, register_workbook
from engine.views.search import search_dossiers, search_procedures
from engine.views.task_context import dossier_context, open_task, prefilled, signature_block, step_records
from engine.views.timeline import LABEL_PARAMS as HISTORY_LABEL_PARAMS, dossier_history, dossier_timeline, latest_signed
from engine.views.versions import procedure_versions, version_file, version_page, versions_overview
from engine.workflow import actions as _actions
from engine.workflow.catalog import get_procedure, list_procedures, load_procedures
from engine.workflow.forms import field_errors
from engine.workflow.tasks import (
    Completion,
    assign_task,
    assignable_users,
    claim_task,
    complete_task,
    get_work_item,
    task_form,
    unclaim_task,
)
from engine.workflow.migration import may_migrate, migrate_dossiers, migration_candidates
from engine.workflow.timers import fire_due_timers
from engine.workflow.operations import INSTANCE_STATUS_LABELS
from engine.workflow.operations import (
    requeue_message,
    resume_instance,
    retry_instance,
    suspend_instance,
    terminate_instance,
)
from engine.onestop.notices import resend_notification
from engine.workflow.versions import STATE_LABELS as VERSION_STATE_LABELS
from engine.workflow.versions import (
    activate_due_versions,
    activate_version,
    approve_version,
    create_draft,
    export_version,
    may_draft,
    get_version,
    list_versions,
    reject_version,
    retire_version,
    submit_version,
    version_for,
    versions_for,
)
# The process diagram on the officials' dossier page
from engine.views.diagram import dossier_diagram

from engine.demo import seed_demo
from engine.worker import notifier, run_loop as run_worker, start_thread as start_worker_thread, sweep as sweep_once

# Hardening and the API's answers (the production issue): what a completion says comes next, sign-out
from engine.infra.errors import Concealed
from engine.org.tokens import revoke_token
from engine.org.users import end_sessions, require_designer
from engine.views.inbox import NextItem, items_to_take

# Production serving (the production issue): the start-up refusals of MOTCUA_ENV=production
from engine.infra.settings import production_problems

# The designer's studio (the designers' issue): drafts saved as work in progress, and the editor's read models
from engine.workflow.drafts import (
    STALE_MESSAGE as DRAFT_STALE_MESSAGE,
    DraftChanges,
    check_draft,
    draft_from_version,
    import_into_draft,
    read_json_text,
    save_draft,
)
from engine.views.studio import preview_form, studio_draft, studio_overview, try_form

# The dry run against the legal clock (the designers' issue, item 4): the studio's page, the runs, the gate
from engine.views.dry_run import MODES as DRY_RUN_MODES
from engine.views.dry_run import DryRunPage, dry_run_page
from engine.workflow.dry_run import PACES as DRY_RUN_PACES
from engine.workflow.dry_run import dry_run, dry_run_paths, gate as dry_run_gate

# Officials' daily work (the officials' issue, items 1, 2, 5, 13): the team and done lists, a dossier's current
# steps, lanes nobody can take warned at reception, steps handed over by leaders and administrators
from engine.onestop.staffing import Unstaffed, unstaffed_lanes
from engine.onestop.fees import fee_in_steps
from engine.views.worklists import (
    CurrentStep, DonePage, TeamPage, TeamRow, current_steps, list_done, list_team, tab_counts, team_count,
)

# Receiving once (the officials' issue, items 3, 9, 10): form tokens, API idempotency keys, likely duplicates,
# online submissions checked at the desk (received or refused), one register number on Mẫu 01 and Mẫu 07
from engine.onestop.online import receive_submission, refuse_submission, submission_for_check, waiting_submissions
from engine.onestop.repeats import (
    EarlierSubmission,
    FieldConflict,
    LikelyDuplicate,
    claim_form_token,
    claim_idempotency_key,
    record_form_outcome,
    record_idempotent_answer,
)
from engine.onestop.intake_slips import slip_dossier_code, slip_of_dossier
from engine.onestop.statuses import SUBMITTED

# reports: counters kept with every dossier change (tallies), the periodic report and QĐ 766 indicators
from engine.onestop import tallies as _tallies
from engine.onestop.tallies_rebuild import ensure_counters as ensure_report_counters, rebuild as rebuild_report_counters
from engine.onestop.tallies_rebuild import update_unit_recounted as update_unit
from engine.views.reports import MAX_YEARS as REPORT_MAX_YEARS, MEASURES as REPORT_MEASURES, Figures as ReportFigures
from engine.views.reports import Report, ReportLine, check_period as check_report_period, periodic_report, report_units
from engine.views.indicators import Indicator, Indicators, ProcedureTime, indicators as report_indicators
from engine.views.report_details import (PER_PAGE as REPORT_PER_PAGE, DossierPage, dossiers_behind, monthly_trend,
                                         most_late, unit_comparison)

# report files: the periodic report as the law's form on screen, in Excel and in PDF
from engine.views.report_files import COLUMNS as REPORT_COLUMNS, header_rows as report_header_rows, percent_text
from engine.views.report_files import report_pdf, report_workbook, table_rows as report_table_rows

_actions.use_actions(ACTIONS)
_actions.use_status_observer(_tallies.status_observer)


def role_keys_of(session, user_id: int) -> set[str]:
    """The role keys a user holds anywhere (the menu shows what they lead to)."""
    return {key for key, _ in grants_of(session, user_id).roles}


__all__ = [name for name in dir() if not name.startswith("_")]
