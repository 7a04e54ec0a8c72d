"""The fixture of the periodic report and the QĐ 766 indicators: 30 dossiers whose figures are counted by hand.

Every expected value below is a literal written from the table DOSSIERS (never computed by the code under test),
with the dossiers that make it in a comment. The organisation: a department (SO) with two sub-units (PA, PB);
three procedures in two fields: PL (Đất đai, one-stop, 5 working days), PI (Đất đai, liên thông, 10 working days),
PC (Chứng thực, 4 tại chỗ, same day). The main period is the fourth quarter of 2025, which has no public holiday;
1 January 2026 is one. Office hours 07:30–11:30 and 13:30–17:00 (7.5 hours a working day).

A dossier's processing time (indicator 2.2) is office time from reception to its end less the supplement pauses; a
dossier received at hh:mm and ended at the same hh:mm k working days later took exactly k working days.

The tests are in test_report_figures.py (the report, sub-units and refusals, periods), test_report_indicators.py
(the indicators and the monthly trend) and test_report_cross_checks.py (the drill-down and the counters)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace

from engine import rebuild_report_counters
from engine.infra.audit import record_event
from engine.infra.clock import VN_TZ
from engine.infra.db import unit_of_work
from engine.models import Attachment, Dossier, Evaluation, Procedure, ProcessVersion
from engine.org.accounts import create_user, ensure_role, ensure_unit, grant_role

from tests.conftest import PASSWORD

Q4 = (date(2025, 10, 1), date(2025, 12, 31))
NOW = datetime(2026, 2, 2, 9, 0, tzinfo=VN_TZ)  # after every instant of the fixture


def at(text: str | None) -> datetime | None:
    """'10-01 09:00' (2025) or '2026-01-05 09:00', Vietnam time."""
    if text is None:
        return None
    if len(text) == len("10-01 09:00"):
        text = "2025-" + text
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=VN_TZ)


@dataclass(frozen=True)
class Spec:
    code: str
    procedure: str  # PL / PI / PC
    receiving: str  # SO / PA / PB
    deciding: str
    channel: str
    received: str  # reception (for status 1 and 3: the online submission)
    due: str | None = None  # the legal due as it stands (moved by supplement pauses)
    status: int = 4
    finished: str | None = None
    returned: str | None = None
    promised: str | None = None  # on Mẫu 01; the due unless supplements moved it
    supplements: int = 0
    paused: str | None = None
    extended: str | None = None  # Mẫu 04's new date: never used by statistics
    kinds: tuple[str, ...] = ()  # attachments: component (scanned at the desk), result (electronic result)
    rating: tuple[int, str] | None = None  # (3 good / 2 neutral / 1 bad, when given)
    stopped_from: int | None = None  # status before the stop (Mẫu 05): 7 = the citizen's withdrawal
    pauses: tuple[tuple[str, str | None, str | None], ...] = ()  # (paused, resumed, due after) for the replay


DOSSIERS = [
    # carried over from September
    Spec("D01", "PL", "PA", "PA", "direct", "09-24 09:00", "10-01 17:00", 10, "10-01 09:00", "10-02 09:00",
         kinds=("result",), rating=(3, "10-02 09:30")),  # on time (due day), 5 days, e-result
    Spec("D02", "PL", "PA", "PA", "direct", "09-29 14:00", "10-06 17:00", 4, kinds=("component",)),  # open, overdue
    Spec("D03", "PI", "SO", "PA", "postal", "09-15 09:00", "09-29 17:00", 9, "09-26 10:00",
         rating=(1, "10-01 00:30")),  # ended in September; rated at 00:30 on 1/10 Vietnam time (30/09 UTC)
    Spec("D04", "PC", "PB", "PB", "direct", "09-30 16:30", "10-01 17:00", 9, "10-02 08:00"),  # late; 8.5 h
    # new in the quarter
    Spec("D05", "PL", "PA", "PA", "online", "10-06 09:00", "10-13 17:00", 10, "10-08 09:00", "10-09 09:00",
         kinds=("result",), rating=(3, "10-09 10:00")),  # early, 2 days
    Spec("D06", "PL", "PA", "PA", "direct", "10-14 14:45", "10-21 17:00", 9, "10-21 14:45",
         kinds=("component",)),  # on time, on the due day, 5 days
    Spec("D07", "PL", "PA", "PA", "direct", "10-20 09:00", "10-27 17:00", 9, "10-29 09:00"),  # late, 7 days
    Spec("D08", "PL", "PA", "PA", "direct", "11-03 09:00", "11-10 17:00", 8, "11-06 09:00", kinds=("result",),
         stopped_from=4),  # stopped by the authority, early, 3 days; a result file but no processing
    Spec("D09", "PL", "PA", "PA", "online", "11-05 09:00", "11-12 17:00", 8, "11-07 09:00",
         stopped_from=7),  # withdrawn, early, 2 days
    Spec("D10", "PI", "SO", "PA", "direct", "10-06 09:00", "10-20 17:00", 9, "10-13 09:00",
         kinds=("component", "result")),  # early, 5 days
    Spec("D11", "PI", "SO", "PA", "online", "10-08 09:00", "10-24 17:00", 10, "10-24 09:00", "10-24 10:00",
         promised="10-22 17:00", supplements=1,
         pauses=(("10-15 09:00", "10-17 09:00", "10-24 17:00"),)),  # on time on the moved due; 12 − 2 = 10 days
    Spec("D12", "PI", "SO", "PA", "direct", "10-13 09:00", "10-27 17:00", 9, "10-29 09:00", extended="10-31 17:00",
         kinds=("component", "result")),  # late: after the legal due though before the extended one; 12 days
    Spec("D13", "PI", "PB", "PA", "postal", "11-03 09:00", "11-20 17:00", 9, "11-18 09:00", promised="11-17 17:00",
         supplements=2, pauses=(("11-05 09:00", "11-07 09:00", "11-19 17:00"),
                                ("11-10 09:00", "11-11 09:00", "11-20 17:00"))),  # late: 2 supplements; 11 − 3 days
    Spec("D14", "PI", "PA", "PA", "direct", "12-22 09:00", "2026-01-06 17:00", 4),  # open, not yet due
    Spec("D15", "PL", "PA", "PA", "online", "12-31 23:30", "2026-01-08 17:00", 2),  # 23:30 Vietnam = 16:30 UTC
    Spec("D16", "PL", "PA", "PA", "direct", "12-01 09:00", "12-08 17:00", 5, supplements=1, paused="12-05 10:00",
         pauses=(("12-05 10:00", None, None),)),  # waiting for a supplement since before its due: not overdue
    Spec("D17", "PL", "PB", "PA", "direct", "12-15 09:00", "12-22 17:00", 4),  # open, overdue; received at PB
    Spec("D18", "PL", "PA", "PA", "direct", "2026-01-05 09:00", "2026-01-12 17:00", 4),  # after the quarter
    Spec("D19", "PL", "PA", "PA", "online", "11-10 20:00", None, 3, "11-11 09:00"),  # refused at intake
    Spec("D20", "PL", "PA", "PA", "online", "12-30 10:00", None, 1),  # submitted, never received
    Spec("D21", "PL", "PA", "PA", "direct", "11-17 09:00", "11-24 17:00", 10, "11-21 09:00", "11-24 09:00"),  # early
    Spec("D22", "PL", "PA", "PA", "direct", "12-22 09:00", "12-29 17:00", 9, "2026-01-05 09:00"),  # late, in January
    Spec("D23", "PL", "PA", "PA", "direct", "12-24 16:00", "12-31 17:00", 9, "12-31 16:00",
         rating=(3, "2026-01-01 00:15")),  # on time on the quarter's last day; rated at 00:15 on 1/1 (31/12 UTC)
    Spec("D24", "PC", "PB", "PB", "direct", "10-15 09:00", "10-15 17:00", 10, None, "10-15 10:00"),  # handed over
    # at once with no processing end recorded: judged at the hand-over, on time; 1 hour
    Spec("D25", "PC", "PB", "PB", "direct", "10-16 14:00", "10-16 17:00", 9, "10-16 14:30",
         kinds=("component", "result")),  # on time; 0.5 hour
    Spec("D26", "PC", "PB", "PB", "online", "11-24 16:00", "11-25 17:00", 10, "11-24 16:45", "11-25 08:00",
         rating=(2, "11-25 08:10")),  # after the 15:00 cut-off, due the next day, done the same day: early; 0.75 h
    Spec("D27", "PC", "PB", "PB", "direct", "12-31 15:30", "2026-01-02 17:00", 4),  # open, due after the holiday
    Spec("D28", "PC", "SO", "PB", "direct", "11-27 09:00", "11-27 17:00", 9, "11-27 09:45",
         rating=(1, "11-28 09:00")),  # on time; 0.75 hour; received at the department
    Spec("D29", "PI", "PA", "PA", "postal", "12-01 09:00", "12-15 17:00", 4, extended="2026-01-09 17:00"),  # open:
    # overdue on its legal due though the apology's date has not come
    Spec("D30", "PL", "PA", "PA", "postal", "10-01 06:30", "10-08 17:00", 9, "10-07 09:00"),  # 06:30 on 1/10
    # Vietnam time = 23:30 on 30/09 UTC: new in the quarter; early; 7.5 × 4 + 1.5 = 31.5 h = 4.2 days
]

PROCEDURES = {  # key: (code, name, field, variant, time limit in working days)
    "PL": ("T-DD-01", "Đăng ký biến động đất đai", "Đất đai", "one_stop", 5),
    "PI": ("T-DD-02", "Chuyển nhượng quyền sử dụng đất (liên thông thuế)", "Đất đai", "inter_agency", 10),
    "PC": ("T-CT-01", "Chứng thực bản sao từ bản chính", "Chứng thực", "on_the_spot", 0),
}


def seed(factory) -> SimpleNamespace:
    """The organisation, procedures, dossiers, files, ratings and stop events, committed; no counters yet."""
    ids = SimpleNamespace(unit={}, procedure={}, dossier={})
    with unit_of_work(factory) as s:
        ensure_unit(s, "SO", "Sở Tài nguyên thử nghiệm", "tinh")
        ensure_unit(s, "PA", "Phòng A", "tinh", "SO")  # sets Unit.parent_id
        ensure_unit(s, "PB", "Phòng B", "tinh", "SO")
        ensure_role(s, "lanh_dao", "Lãnh đạo đơn vị")
        for code in ("SO", "PA", "PB"):
            ids.unit[code] = ensure_unit(s, code, "").id
        for username, unit in (("ld_so", "SO"), ("ld_pa", "PA")):
            user = create_user(s, username, f"Lãnh đạo {unit}", PASSWORD, NOW)
            grant_role(s, user, "lanh_dao", unit)
            setattr(ids, username, user.id)
        versions = {}
        for key, (code, name, field, variant, days) in PROCEDURES.items():
            procedure = Procedure(code=code, slug=code.lower(), name=name, field=field, variant=variant,
                                  time_limit=Decimal(days), time_limit_unit="working_days",
                                  deciding_unit_id=ids.unit["PB" if key == "PC" else "PA"])
            s.add(procedure)
            s.flush()
            version = ProcessVersion(procedure_id=procedure.id, number=1, process_id=f"p_{key}", files={},
                                     checksum="0" * 64, status="active", created_at=at("09-01 08:00"))
            s.add(version)
            s.flush()
            ids.procedure[key], versions[key] = procedure.id, version.id
        for spec in DOSSIERS:
            dossier = Dossier(
                code=f"HS-{spec.code}", procedure_id=ids.procedure[spec.procedure],
                process_version_id=versions[spec.procedure], applicant={"name": f"Người nộp {spec.code}"},
                channel=spec.channel, received_at=at(spec.received), promised_due_at=at(spec.promised or spec.due),
                due_at=at(spec.due), extended_due_at=at(spec.extended), status=spec.status,
                finished_at=at(spec.finished), returned_at=at(spec.returned),
                receiving_unit_id=ids.unit[spec.receiving], deciding_unit_id=ids.unit[spec.deciding],
                secret_hash="0" * 64, supplement_count=spec.supplements, paused_at=at(spec.paused),
                extension_count=1 if spec.extended else 0, submitted_at=at(spec.received)
                if spec.channel == "online" else None)
            s.add(dossier)
            s.flush()
            ids.dossier[spec.code] = dossier.id
            for kind in spec.kinds:
                s.add(Attachment(dossier_id=dossier.id, kind=kind, component="", filename=f"{kind}.pdf",
                                 content_type="application/pdf", size=1, sha256="0" * 64,
                                 uploaded_at=at(spec.finished or spec.received)))
            if spec.rating:
                s.add(Evaluation(dossier_id=dossier.id, rating=spec.rating[0], comment="",
                                 created_at=at(spec.rating[1])))
            if spec.stopped_from == 7:
                record_event(s, action="withdrawal_requested", at=at(spec.received), dossier_id=dossier.id,
                             status_before=4, status_after=7)
            if spec.stopped_from is not None:
                record_event(s, action="dossier_stopped", at=at(spec.finished), dossier_id=dossier.id,
                             status_before=spec.stopped_from, status_after=8, detail={"reason": "thử nghiệm"})
    return ids


def seeded_and_rebuilt(factory) -> SimpleNamespace:
    ids = seed(factory)
    with unit_of_work(factory) as s:
        assert rebuild_report_counters(s) == 30
    return ids


def figures(**counts) -> dict:
    """A report line's figures as a dict: the given counts, every other one 0."""
    out = dict.fromkeys(("carried_over", "received_online", "received_direct", "received_postal", "inter_agency",
                         "on_the_spot", "digitised", "resolved", "resolved_early", "resolved_on_time",
                         "resolved_late", "processed", "stopped", "withdrawn", "e_result", "work_centidays",
                         "in_progress_not_due", "in_progress_overdue", "returned", "refused", "rated_good",
                         "rated_neutral", "rated_bad"), 0)
    assert set(counts) <= set(out), set(counts) - set(out)
    out.update(counts)
    return out


# The department's fourth quarter of 2025 (every unit is below it, so every dossier counts, each once).
Q4_TOTAL = figures(
    carried_over=3,  # D01, D02, D04 (D03 ended on 26/09; D30 came at 06:30 on 1/10 Vietnam time)
    received_online=5,  # D05, D09, D11, D15 (23:30 on 31/12), D26 — not D19 (refused), D20 (waiting)
    received_direct=15,  # D06 D07 D08 D10 D12 D14 D16 D17 D21 D22 D23 D24 D25 D27 D28 — not D18 (January)
    received_postal=3,  # D13, D29, D30
    inter_agency=6,  # D10 D11 D12 D13 D14 D29
    on_the_spot=5,  # D24 D25 D26 D27 D28
    digitised=9,  # online D05 D09 D11 D15 D26; scanned D06 D10 D12 D25 (D02's scan was in September)
    resolved=18,  # D01 D04 D05 D06 D07 D08 D09 D10 D11 D12 D13 D21 D23 D24 D25 D26 D28 D30 (not D22: January)
    resolved_early=7,  # D05 D08 (stopped) D09 (withdrawn) D10 D21 D26 (after the cut-off) D30
    resolved_on_time=7,  # D01 D06 D11 (moved due) D23 D24 (at its hand-over) D25 D28
    resolved_late=4,  # D04, D07 (after due), D12 (extended: judged on the legal due), D13 (2 supplements)
    processed=16,  # the 18 less D08, D09
    stopped=1,  # D08
    withdrawn=1,  # D09 (stopped after the citizen's withdrawal request, status 7)
    e_result=5,  # D01 D05 D10 D12 D25 (D08's result file does not count: stopped)
    work_centidays=7373,  # PL 3720 + PI 3500 + PC 153 (see test_indicators)
    in_progress_not_due=4,  # D14, D15, D16 (paused before its due, which has passed), D27
    in_progress_overdue=4,  # D02, D17, D22 (ends in January), D29 (extended, but its legal due has passed)
    returned=6,  # D01 D05 D11 D21 D24 D26
    refused=1,  # D19
    rated_good=2,  # D01, D05 (D23's rating at 00:15 on 1/1/2026 is next year's)
    rated_neutral=1,  # D26
    rated_bad=2,  # D03 (00:30 on 1/10), D28
)
FIELD_CHUNG_THUC = figures(  # PC's dossiers: D04 D24 D25 D26 D27 D28
    carried_over=1,  # D04
    received_online=1, received_direct=4,  # D26; D24 D25 D27 D28
    on_the_spot=5, digitised=2,  # D24–D28; D26 (online), D25 (scanned)
    resolved=5, resolved_early=1, resolved_on_time=3, resolved_late=1,  # D26 | D24 D25 D28 | D04
    processed=5, e_result=1,  # D25
    work_centidays=153,  # D04 113 (8.5 h) + D24 13 (1 h) + D25 7 (0.5 h) + D26 10 + D28 10 (0.75 h)
    in_progress_not_due=1,  # D27
    returned=2, rated_neutral=1, rated_bad=1,  # D24 D26; D26; D28
)
FIELD_DAT_DAI = figures(  # PL and PI: the quarter's total less FIELD_CHUNG_THUC
    carried_over=2,  # D01, D02
    received_online=4, received_direct=11, received_postal=3,  # D05 D09 D11 D15 | … | D13 D29 D30
    inter_agency=6, digitised=7,  # D05 D09 D11 D15 online, D06 D10 D12 scanned
    resolved=13, resolved_early=6, resolved_on_time=4, resolved_late=3,  # D05 D08 D09 D10 D21 D30 | D01 D06 D11
    # D23 | D07 D12 D13
    processed=11, stopped=1, withdrawn=1, e_result=4,  # D01 D05 D10 D12
    work_centidays=7220,
    in_progress_not_due=3, in_progress_overdue=4,  # D14 D15 D16 | D02 D17 D22 D29
    returned=4, refused=1, rated_good=2, rated_bad=1,  # D01 D05 D11 D21 | D19 | D01 D05 | D03
)
PROCEDURE_PI = figures(
    received_online=1, received_direct=3, received_postal=2,  # D11 | D10 D12 D14 | D13 D29
    inter_agency=6, digitised=3,  # D11 online, D10 D12 scanned
    resolved=4, resolved_early=1, resolved_on_time=1, resolved_late=2,  # D10 | D11 | D12 D13
    processed=4, e_result=2,  # D10 D12
    work_centidays=3500,  # D10 5 + D11 10 + D12 12 + D13 8 days
    in_progress_not_due=1, in_progress_overdue=1,  # D14 | D29
    returned=1, rated_bad=1,  # D11 | D03 (ended in September, rated on 1/10)
)
PROCEDURE_PL = figures(
    carried_over=2,  # D01 D02
    received_online=3, received_direct=8, received_postal=1,  # D05 D09 D15 | D06 D07 D08 D16 D17 D21 D22 D23 | D30
    digitised=4,  # D05 D09 D15 online, D06 scanned
    resolved=9, resolved_early=5, resolved_on_time=3, resolved_late=1,  # D05 D08 D09 D21 D30 | D01 D06 D23 | D07
    processed=7, stopped=1, withdrawn=1, e_result=2,  # D01 D05
    work_centidays=3720,  # D01 5 + D05 2 + D06 5 + D07 7 + D08 3 + D09 2 + D21 4 + D23 5 + D30 4.2 days
    in_progress_not_due=2, in_progress_overdue=3,  # D15 D16 | D02 D17 D22
    returned=3, refused=1, rated_good=2,  # D01 D05 D21 | D19 | D01 D05
)
SUB_UNIT_PA = FIELD_DAT_DAI  # PA decides every PL and PI dossier (D03 D10 D11 D12 received at SO, D13 D17 at PB)
# and no PC one: exactly the dossiers of the field Đất đai
SUB_UNIT_PB = figures(  # PC's dossiers and D13, D17 (received at PB, decided by PA)
    carried_over=1,  # D04
    received_online=1, received_direct=5, received_postal=1,  # D26 | D17 D24 D25 D27 D28 | D13
    inter_agency=1, on_the_spot=5, digitised=2,  # D13 | D24–D28 | D25 D26
    resolved=6, resolved_early=1, resolved_on_time=3, resolved_late=2,  # D26 | D24 D25 D28 | D04 D13
    processed=6, e_result=1,  # D25
    work_centidays=953,  # PC 153 + D13 800
    in_progress_not_due=1, in_progress_overdue=1,  # D27 | D17
    returned=2, rated_neutral=1, rated_bad=1,  # D24 D26 | D26 | D28
)
