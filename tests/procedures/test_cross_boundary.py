"""Cross-boundary reception: a commune centre receives a dossier the land registry branch decides."""
from __future__ import annotations

from engine import receive_dossier

from tests.driving import open_items
from engine.infra.db import unit_of_work

from ..engine.test_dinh_chinh_gcn import APPLICANT, do, inbox


def test_dossier_keeps_its_receiving_units_code_and_the_deciding_units_officers_work_it(factory, org, now):
    with unit_of_work(factory) as s:
        receipt = receive_dossier(s, procedure_code="dinh-chinh-gcn", applicant=APPLICANT, channel="direct",
                                  received_at=now, receiving_unit_code="000.00.11.H99",
                                  actor_id=org["motcua.hoabinh"], now=now)
    assert receipt.code.startswith("000.00.11.H99-260302-")  # numbered by the commune centre that received it
    # reception at the commune's desk, not the province centre's
    assert [i[1] for i in inbox(factory, org["motcua.hoabinh"])] == ["ut_tiep_nhan"]
    assert inbox(factory, org["motcua.tinh"]) == []
    do(factory, org, "motcua.hoabinh", "ut_tiep_nhan", {"da_kiem_tra_thanh_phan": True}, now)
    # the deciding unit (land registry branch) works it
    assert [i[1] for i in inbox(factory, org["chuyenvien.vpdk"])] == ["ut_tham_dinh"]
    with unit_of_work(factory) as s:
        item = open_items(s, org["chuyenvien.vpdk"])[0]
        assert item.dossier.code == receipt.code
        assert item.dossier.receiving_unit.code == "000.00.11.H99"
        assert item.dossier.deciding_unit.code == "000.21.01.H99"
