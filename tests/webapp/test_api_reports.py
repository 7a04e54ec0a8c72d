"""GET /api/v1/reports/summary and /reports/indicators: the figures of dossiers received through the API and worked
through the work API are the engine's report, the answers match the published schemas, and who may not read a
report or sends a bad query is refused as documented."""
from __future__ import annotations

from dataclasses import fields
from datetime import date

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from apicalls import DOSSIER, call, refusals, token_for
from test_api import APPRAISAL_DATA

from engine import periodic_report, report_indicators, ReportFigures, VN_TZ
from engine.infra.db import unit_of_work
from engine.models import Procedure, Unit

SUMMARY, INDICATORS = "/api/v1/reports/summary", "/api/v1/reports/indicators"
MARCH = {"from": "2026-03-01", "to": "2026-03-31"}
STEPS = [  # dinh-chinh-gcn (1.004227) from reception to handover: who works each step, with what
    ("motcua.tinh", "ut_tiep_nhan", {"da_kiem_tra_thanh_phan": True}),
    ("chuyenvien.vpdk", "ut_tham_dinh", APPRAISAL_DATA),
    ("lanhdao.vpdk", "ut_phe_duyet", {"quyet_dinh": "dong_y"}),
    ("vanthu.vpdk", "ut_chuyen_tra", {"so_van_ban": "125/CNVPĐK"}),
    ("motcua.tinh", "ut_tra_kq_chung", {"hinh_thuc_tra": "tai_quay", "nguoi_nhan": "Hoàng Văn Dũng"}),
]


def unit_id(factory, code: str) -> int:
    with unit_of_work(factory) as session:
        return session.query(Unit).filter_by(code=code).one().id


def work(client, username: str, code: str, bpmn_id: str, data: dict) -> None:
    """Complete the dossier's open step through the work API, claiming it first when nobody holds it."""
    token = token_for(client, username)
    rows = [row for view in ("mine", "unit")
            for row in call(client, "GET", f"/api/v1/work-items?view={view}&per_page=100", token=token)
            .get_json()["items"]]
    [item] = {row["id"]: row for row in rows if row["dossier_code"] == code and row["bpmn_id"] == bpmn_id}.values()
    if item["assignee"] is None:
        assert call(client, "POST", f"/api/v1/work-items/{item['id']}/claim", token=token).status_code == 200
    done = call(client, "POST", f"/api/v1/work-items/{item['id']}/complete", token=token, json={"data": data})
    assert done.status_code == 200, done.get_json()


@pytest.fixture
def worked(client, org, fixed_clock):
    """Three dossiers received through POST /dossiers on Monday 2 March 2026: one carried to handover, one into
    processing, one still at the desk; plus an online submission waiting for the desk's check."""
    desk = token_for(client, "motcua.tinh")
    codes = []
    for channel in ("postal", "direct", "postal"):  # the same applicant each time: confirmed not a duplicate
        answer = call(client, "POST", "/api/v1/dossiers", token=desk,
                      json={**DOSSIER, "channel": channel, "confirm_duplicate": True})
        assert answer.status_code == 201, answer.get_json()
        codes.append(answer.get_json()["code"])
    online = call(client, "POST", "/api/v1/dossiers", token=desk,
                  json={**DOSSIER, "channel": "online", "confirm_duplicate": True})
    assert online.status_code == 201 and online.get_json()["status"] == 1
    fixed_clock.advance(hours=1)
    for username, bpmn_id, data in STEPS:
        work(client, username, codes[0], bpmn_id, data)
    username, bpmn_id, data = STEPS[0]
    work(client, username, codes[1], bpmn_id, data)  # into processing
    fixed_clock.advance(hours=1)
    return codes


def engine_figures(factory, user: int, unit: int | None, start: date, end: date, now, **filters):
    with unit_of_work(factory) as session:
        report = periodic_report(session, user, unit, start, end, now=now, **filters)
        return report.unit.id, report.total, [(line.level, line.label, line.procedure_id, line.figures)
                                              for line in report.lines]


def as_json(figures: ReportFigures) -> dict:
    out = {item.name: getattr(figures, item.name) for item in fields(figures)}
    return {**out, "received_new": figures.received_new, "received_total": figures.received_total,
            "in_progress": figures.in_progress, "on_time_rate": figures.on_time_rate}


def published(client, name: str) -> Draft202012Validator:
    """A validator of the named component as the OpenAPI document publishes it (its references resolved)."""
    document = client.get("/api/v1/openapi.json").get_json()
    return Draft202012Validator({"$ref": f"#/components/schemas/{name}", "components": document["components"]},
                                format_checker=FormatChecker())


def test_summary_gives_the_engine_report_of_dossiers_worked_through_the_api(client, factory, org, worked, fixed_clock):
    answer = call(client, "GET", SUMMARY, "lanhdao.tinh", query_string=MARCH)
    body = answer.get_json()
    assert answer.status_code == 200, body
    assert not list(published(client, "ReportSummary").iter_errors(body))
    province = unit_id(factory, "000.00.00.H99")
    assert body["unit"] == {"id": province, "code": "000.00.00.H99", "name": "Ủy ban nhân dân tỉnh Hòa Bình"}
    assert (body["from"], body["to"]) == ("2026-03-01", "2026-03-31")
    assert body["as_of"] == fixed_clock.now().astimezone(VN_TZ).isoformat()  # the period is not over

    total = body["total"]
    assert (total["received_postal"], total["received_direct"], total["received_online"]) == (2, 1, 0)
    assert (total["received_new"], total["received_total"], total["carried_over"]) == (3, 3, 0)
    assert (total["resolved"], total["processed"], total["returned"]) == (1, 1, 1)
    assert total["resolved_early"] + total["resolved_on_time"] == 1 and total["resolved_late"] == 0
    assert (total["in_progress"], total["in_progress_not_due"], total["on_time_rate"]) == (2, 2, 1.0)

    unit, expected, lines = engine_figures(factory, org["lanhdao.tinh"], None, date(2026, 3, 1), date(2026, 3, 31),
                                           fixed_clock.now())
    assert unit == province and total == as_json(expected)
    assert [(line["level"], line["label"], line["procedure_id"], line["figures"]) for line in body["lines"]] == \
        [(level, label, pid, as_json(figures)) for level, label, pid, figures in lines]
    [field_line, procedure_line] = body["lines"]
    with unit_of_work(factory) as session:
        procedure = session.query(Procedure).filter_by(code="1.004227").one()
        assert (procedure_line["procedure_id"], procedure_line["procedure_code"]) == (procedure.id, "1.004227")
        assert field_line["label"] == procedure_line["field"] == (procedure.field or "Khác")
    assert procedure_line["time_limit"].endswith("ngày làm việc") and field_line["procedure_id"] is None


def test_each_unit_sees_its_own_share_and_the_filters_narrow_it(client, factory, org, worked, fixed_clock):
    vpdk, desk_unit = unit_id(factory, "000.21.01.H99"), unit_id(factory, "000.00.01.H99")
    own = call(client, "GET", SUMMARY, "lanhdao.vpdk", query_string=MARCH).get_json()
    assert own["unit"]["id"] == vpdk  # the default: the caller's first report unit
    _, expected, _ = engine_figures(factory, org["lanhdao.vpdk"], vpdk, date(2026, 3, 1), date(2026, 3, 31),
                                    fixed_clock.now())
    assert own["total"] == as_json(expected) and own["total"]["received_new"] == 3
    admin = call(client, "GET", SUMMARY, "quantri.tinh", query_string={**MARCH, "unit": desk_unit}).get_json()
    assert admin["unit"]["code"] == "000.00.01.H99" and admin["total"]["returned"] == 1
    with unit_of_work(factory) as session:
        procedure = session.query(Procedure).filter_by(code="1.004227").one()
        other = session.query(Procedure).filter(Procedure.code != "1.004227", Procedure.field != procedure.field) \
            .first()
        field_name = procedure.field
    narrowed = call(client, "GET", SUMMARY, "lanhdao.tinh",
                    query_string={**MARCH, "procedure": procedure.id, "field": field_name}).get_json()
    assert narrowed["total"]["received_new"] == 3 and len(narrowed["lines"]) == 2
    empty = call(client, "GET", SUMMARY, "lanhdao.tinh", query_string={**MARCH, "procedure": other.id}).get_json()
    assert empty["lines"] == [] and empty["total"]["received_new"] == 0 and empty["total"]["on_time_rate"] is None
    before = call(client, "GET", SUMMARY, "lanhdao.tinh", query_string={"from": "2026-02-01", "to": "2026-02-28"})
    assert before.status_code == 200 and before.get_json()["total"]["received_total"] == 0
    assert before.get_json()["as_of"] == "2026-03-01T00:00:00+07:00"  # the end of a period that is over


def test_period_defaults_to_this_year_so_far_in_vietnam_time(client, org, worked, fixed_clock):
    fixed_clock.set(fixed_clock.now().replace(hour=17, minute=30))  # 00:30 on 3 March in Vietnam
    body = call(client, "GET", SUMMARY, "lanhdao.tinh").get_json()
    assert (body["from"], body["to"]) == ("2026-01-01", "2026-03-03")
    last_year = call(client, "GET", SUMMARY, "lanhdao.tinh", query_string={"to": "2025-12-31"}).get_json()
    assert (last_year["from"], last_year["to"]) == ("2025-01-01", "2025-12-31")
    assert call(client, "GET", SUMMARY, "lanhdao.tinh", query_string={"from": "2026-03-01"}).get_json()["to"] == \
        "2026-03-03"


def test_indicators_are_the_engines_for_the_same_dossiers(client, factory, org, worked, fixed_clock):
    answer = call(client, "GET", INDICATORS, "lanhdao.tinh", query_string=MARCH)
    body = answer.get_json()
    assert answer.status_code == 200, body
    assert not list(published(client, "ReportIndicators").iter_errors(body))
    with unit_of_work(factory) as session:
        expected = report_indicators(session, org["lanhdao.tinh"], None, date(2026, 3, 1), date(2026, 3, 31),
                                     now=fixed_clock.now())
        assert body["unit"]["id"] == expected.unit.id
        assert (body["points"], body["max_points"]) == (expected.points, expected.max_points)
        assert [(i["code"], i["numerator"], i["denominator"], i["rate"], i["points"], i["threshold"],
                 i["max_points"], i["verified_points"]) for i in body["items"]] == \
            [(i.code, i.numerator, i.denominator, i.rate, i.points, i.threshold, i.max_points, i.verified_points)
             for i in expected.items]
        assert [(t["procedure_id"], t["ended"], t["average_days"]) for t in body["times"]] == \
            [(t.procedure_id, t.ended, float(t.average_days)) for t in expected.times]  # PostgreSQL: a Decimal
    on_time = next(item for item in body["items"] if item["code"] == "2.1")
    assert (on_time["numerator"], on_time["denominator"], on_time["rate"]) == (3, 3, 1.0)
    [time] = body["times"]
    assert time["code"] == "1.004227" and time["ended"] == 1 and time["average_days"] is not None
    assert all(item["formula"] and item["name"] for item in body["items"])


BAD_QUERIES = {
    "from after to": ({"from": "2026-03-31", "to": "2026-03-01"}, "from"),
    "longer than five years": ({"from": "2020-01-01", "to": "2025-01-02"}, "to"),
    "not a date": ({"from": "31/03/2026"}, "from"),
    "not a calendar day": ({"to": "2026-02-30"}, "to"),
    "compact date": ({"from": "20260301"}, "from"),
    "before 2000": ({"from": "1999-12-31"}, "from"),
    "a date too long": ({"to": "2026-03-01" + "0" * 200}, "to"),
    "unit not a number": ({"unit": "abc"}, "unit"),
    "unit zero": ({"unit": "0"}, "unit"),
    "unit too large": ({"unit": str(2**31)}, "unit"),
    "unit with a sign": ({"unit": "-1"}, "unit"),
    "procedure not a number": ({"procedure": "1.004227"}, "procedure"),
    "field too long": ({"field": "x" * 256}, "field"),
    "a misspelt parameter": ({"form": "2026-03-01"}, "form"),
}


@pytest.mark.parametrize("case", list(BAD_QUERIES))
def test_a_bad_query_is_a_400_naming_the_parameter(client, org, case):
    query, name = BAD_QUERIES[case]
    token = token_for(client, "lanhdao.tinh")
    for url in (SUMMARY, INDICATORS):
        if name == "field" and url == INDICATORS:
            continue  # the indicators take no field
        answer = call(client, "GET", url, token=token, query_string=query)
        error = answer.get_json()["error"]
        assert answer.status_code == 400 and error["status"] == 400, (case, url, error)
        assert list(error["fields"]) == [name] and name in error["message"], error
        assert all(text.strip() for texts in error["fields"].values() for text in texts)


def test_the_period_errors_say_what_is_wrong_in_vietnamese(client, org):
    token = token_for(client, "lanhdao.tinh")
    reversed_ = call(client, "GET", SUMMARY, token=token, query_string={"from": "2026-03-31", "to": "2026-03-01"})
    assert reversed_.get_json()["error"]["fields"]["from"] == ["Từ ngày phải trước hoặc bằng đến ngày."]
    too_long = call(client, "GET", INDICATORS, token=token, query_string={"from": "2020-01-01", "to": "2025-01-02"})
    assert too_long.get_json()["error"]["fields"]["to"] == ["Mỗi báo cáo tối đa 5 năm."]
    exactly_five = call(client, "GET", INDICATORS, token=token, query_string={"from": "2020-01-01", "to": "2025-01-01"})
    assert exactly_five.status_code == 200


def test_who_may_not_read_the_unit_is_refused(client, factory, org):
    hoabinh, desk_unit = unit_id(factory, "000.00.11.H99"), unit_id(factory, "000.00.01.H99")
    for url in (SUMMARY, INDICATORS):
        other = call(client, "GET", url, "lanhdao.vpdk", query_string={"unit": hoabinh})
        assert other.status_code == 403 and "đơn vị mình" in other.get_json()["error"]["message"]
        above = call(client, "GET", url, "quantri.tinh", query_string={"unit": unit_id(factory, "000.00.00.H99")})
        assert above.status_code == 403  # an administrator of a unit reads it and below, not the unit above
        unknown = call(client, "GET", url, "lanhdao.tinh", query_string={"unit": 999_999})
        assert unknown.status_code == 404 and unknown.get_json()["error"]["message"] == "Không có đơn vị này."
        below = call(client, "GET", url, "lanhdao.tinh", query_string={"unit": hoabinh, **MARCH})
        assert below.status_code == 200 and below.get_json()["unit"]["id"] == hoabinh
    assert call(client, "GET", SUMMARY, "quantri.tinh", query_string={"unit": desk_unit}).status_code == 200


@pytest.mark.parametrize("username", ["chuyenvien.vpdk", "motcua.tinh", "vanthu.vpdk", "thietke.tinh"])
def test_an_officer_without_a_leader_or_administrator_role_gets_403_whatever_the_query(client, factory, org,
                                                                                       username):
    for url in (SUMMARY, INDICATORS):
        answer = call(client, "GET", url, username, query_string={"from": "nonsense", "unit": "abc"})
        error = answer.get_json()["error"]
        assert answer.status_code == 403 and error["message"].startswith("Chỉ lãnh đạo đơn vị và quản trị viên")
    logged = refusals(factory)
    assert len(logged) == 2 and all(actor == org[username] for actor, _ in logged)


def test_a_leader_of_a_department_reads_their_unit(client, factory, org, worked):
    answer = call(client, "GET", SUMMARY, "lanhdaophong.vpdk", query_string=MARCH)
    assert answer.status_code == 200 and answer.get_json()["unit"]["code"] == "000.21.01.H99"


def test_without_a_token_the_reports_answer_401(client, org):
    for url in (SUMMARY, INDICATORS):
        answer = client.get(url)
        assert answer.status_code == 401 and answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_the_document_publishes_both_operations_with_bounded_parameters(client):
    document = client.get("/api/v1/openapi.json").get_json()
    for path, names in (("/reports/summary", ["unit", "from", "to", "procedure", "field"]),
                        ("/reports/indicators", ["unit", "from", "to", "procedure"])):
        operation = document["paths"][path]["get"]
        parameters = {p["name"]: p for p in operation["parameters"]}
        assert list(parameters) == names and all(p["in"] == "query" and not p["required"] for p in parameters.values())
        assert parameters["unit"]["schema"]["maximum"] == parameters["procedure"]["schema"]["maximum"] == 2**31 - 1
        assert parameters["from"]["schema"]["format"] == parameters["to"]["schema"]["format"] == "date"
        assert {"200", "400", "401", "403", "404"} <= set(operation["responses"])
        assert operation["security"] == [{"bearer": []}]
    assert document["paths"]["/reports/summary"]["get"]["parameters"][-1]["schema"]["maxLength"] == 255
    figures = document["components"]["schemas"]["ReportFigures"]["properties"]
    assert set(figures) == {f.name for f in fields(ReportFigures)} | {"received_new", "received_total",
                                                                       "in_progress", "on_time_rate"}


def test_published_date_parameters_accept_exactly_what_the_server_reads(client):
    schema = next(p for p in client.get("/api/v1/openapi.json").get_json()["paths"]["/reports/summary"]["get"]
                  ["parameters"] if p["name"] == "from")["schema"]
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    assert validator.is_valid("2026-03-01") and validator.is_valid("2100-12-31")
    for refused in ("1999-12-31", "2101-01-01", "20260301", "2026-02-30", "2026-3-1"):
        assert not validator.is_valid(refused), refused


def test_a_nul_in_the_query_is_a_400_before_the_report_is_read(client, org):
    answer = call(client, "GET", SUMMARY, "lanhdao.tinh", query_string={"field": "Đất\x00đai"})
    assert answer.status_code == 400 and answer.get_json()["error"]["status"] == 400
