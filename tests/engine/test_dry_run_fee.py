"""Dry run of a procedure that collects a fee: the fee step records the fee the process assessed, with a receipt
number that says it is a sample, never the form's generated placeholder text."""
from __future__ import annotations

from datetime import datetime

from engine.infra.clock import VN_TZ
from engine.infra.db import unit_of_work
from engine.workflow.catalog import read_folder, validate_version
from engine.workflow.dry_run import dry_run

from ..conftest import BPMN

RECEIVED = datetime(2026, 12, 7, 8, 0, tzinfo=VN_TZ)  # a Monday morning


def fee_notes(factory, **options) -> tuple[str, str]:
    meta_, files, forms = read_folder(BPMN / "chung-thuc-ban-sao", BPMN / "common")
    parsed, _ = validate_version(meta_, files, forms)
    with unit_of_work(factory) as s:
        run = dry_run(s, meta_, parsed, forms, received_at=RECEIVED, **options)
    assert run.error is None, run.error
    actions = {step.element: step.name for step in run.steps if step.kind == "action"}
    return actions["assess_fee"], actions["record_fee"]


def test_the_sample_fee_record_is_the_assessed_fee_with_a_sample_receipt(factory, org):
    assessed, recorded = fee_notes(factory)
    assert assessed == "Mức phí phải thu: 2.000 đồng."  # one page, one copy: 2.000 đồng
    assert recorded == ("Ghi nhận thu phí 2.000 đồng (đúng mức phải thu), biên lai số CT-000001 "
                        "(số biên lai mẫu khi chạy thử).")
    assert "Nội dung chạy thử" not in recorded and "so_bien_lai" not in recorded


def test_a_typed_fee_record_is_told_against_the_assessed_fee(factory, org):
    _, recorded = fee_notes(factory, data={"ut_thu_phi": {"so_tien_phi": 1500, "so_bien_lai": "0001234",
                                                          "ly_do_khac_muc_phi": "Giảm theo quy định"}})
    assert recorded == "Ghi nhận thu phí 1.500 đồng (khác mức phải thu 2.000 đồng), biên lai số 0001234."
