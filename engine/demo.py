"""Demo organisation, people and dossiers so a fresh install can be tried at once."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.org.accounts import create_user, ensure_role, ensure_unit, grant_role
from engine.workflow.catalog import get_procedure, load_procedures
from engine.onestop.reception import receive_dossier
from engine.models import Dossier, User

PLACE_NAME = "Hòa Bình"  # địa danh on the demo units' printed forms
UNITS = [  # code, name, level, parent (a parent comes first); the province's leaders read the reports of all
    ("000.00.00.H99", "Ủy ban nhân dân tỉnh Hòa Bình", "tinh", None),
    ("000.00.01.H99", "Trung tâm Phục vụ hành chính công tỉnh", "tinh", "000.00.00.H99"),
    ("000.21.01.H99", "Chi nhánh Văn phòng Đăng ký đất đai khu vực Trung tâm", "tinh", "000.00.00.H99"),
    ("000.00.10.H99", "Ủy ban nhân dân phường Hòa Bình", "xa", "000.00.00.H99"),
    ("000.00.11.H99", "Trung tâm Phục vụ hành chính công phường Hòa Bình", "xa", "000.00.10.H99"),
    ("000.30.01.H99", "Thuế cơ sở khu vực Trung tâm", "tinh", None),
    ("000.40.11.H99", "Công an phường Hòa Bình", "xa", None),
    ("000.50.01.H99", "Bảo hiểm xã hội khu vực Trung tâm", "tinh", None),
]
# Nghị định 30/2020: the ký hiệu and the head's title printed on the letters of the units that issue them
# (Mẫu 02, 04, 05); the partner agencies' are left for their administrators.
LETTERHEADS = {"000.00.01.H99": ("TTPVHCC", "Giám đốc"), "000.21.01.H99": ("CNVPĐKĐĐ", "Giám đốc"),
               "000.00.11.H99": ("TTPVHCC", "Giám đốc")}
ROLES = [
    ("mot_cua", "Công chức Bộ phận Một cửa"),
    ("chuyen_vien", "Chuyên viên thụ lý"),
    ("lanh_dao_phong", "Lãnh đạo phòng chuyên môn"),
    ("lanh_dao", "Lãnh đạo đơn vị"),
    ("van_thu", "Văn thư"),
    ("thue", "Cán bộ cơ quan thuế"),
    ("cong_an", "Cán bộ công an"),
    ("bhxh", "Cán bộ bảo hiểm xã hội"),
    ("thiet_ke", "Người thiết kế quy trình"),
    ("quan_tri", "Quản trị hệ thống"),
]
USERS = [  # username, full name, [(role, unit code)]
    ("motcua.tinh", "Nguyễn Thị Lan", [("mot_cua", "000.00.01.H99")]),
    ("chuyenvien.vpdk", "Trần Văn Minh", [("chuyen_vien", "000.21.01.H99")]),
    ("lanhdaophong.vpdk", "Hà Minh Tuấn", [("lanh_dao_phong", "000.21.01.H99")]),  # the land-change check
    ("lanhdao.vpdk", "Lê Hoàng Nam", [("lanh_dao", "000.21.01.H99")]),
    ("vanthu.vpdk", "Phạm Thị Hoa", [("van_thu", "000.21.01.H99")]),
    ("motcua.hoabinh", "Đỗ Thị Mai", [("mot_cua", "000.00.11.H99")]),
    ("thue.coso", "Ngô Văn Thành", [("thue", "000.30.01.H99")]),
    ("chuyenvien.hoabinh", "Bùi Thị Thu", [("chuyen_vien", "000.00.11.H99")]),
    ("lanhdao.hoabinh", "Trịnh Văn Hùng", [("lanh_dao", "000.00.11.H99")]),
    ("vanthu.hoabinh", "Lý Thị Hằng", [("van_thu", "000.00.11.H99")]),
    ("congan.hoabinh", "Đinh Quang Huy", [("cong_an", "000.40.11.H99")]),
    ("bhxh.trungtam", "Mai Thị Yến", [("bhxh", "000.50.01.H99")]),
    ("thietke.tinh", "Phan Quốc Bảo", [("thiet_ke", "000.00.01.H99")]),
    ("lanhdao.tinh", "Nguyễn Đức Thắng", [("lanh_dao", "000.00.00.H99")]),  # reads the province's reports
    ("quantri.tinh", "Võ Thị Ngọc", [("quan_tri", "000.00.01.H99")]),
]
SAMPLE_APPLICANTS = [
    {"name": "Hoàng Văn Dũng", "id_number": "001085012345", "phone": "0912345678",
     "address": "Số 12 phố Hàng Bạc, phường Hoàn Kiếm"},
    {"name": "Vũ Thị Thu Trang", "id_number": "036190004567", "phone": "0987654321",
     "email": "trang.vu@example.vn", "address": "Thôn Đông, xã Yên Lạc"},
]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    full_name: str
    roles: str


def seed_demo(session: Session, now: datetime, password: str, bpmn_path: Path) -> list[DemoLogin]:
    """Idempotent: units, roles, users, the bundled procedures and two sample dossiers."""
    for code, name, level, parent in UNITS:
        unit = ensure_unit(session, code, name, level, parent)
        unit.place_name = unit.place_name or PLACE_NAME
        abbreviation, head_title = LETTERHEADS.get(code, ("", ""))
        unit.abbreviation, unit.head_title = unit.abbreviation or abbreviation, unit.head_title or head_title
    for key, name in ROLES:
        ensure_role(session, key, name)
    logins = []
    for username, full_name, grants in USERS:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            user = create_user(session, username, full_name, password, now)
        for role, unit in grants:
            grant_role(session, user, role, unit)
        logins.append(DemoLogin(username, full_name, ", ".join(f"{r} @ {u}" for r, u in grants)))
    load_procedures(session, bpmn_path, now)
    if session.scalar(select(Dossier.id).limit(1)) is None:
        officer = session.scalar(select(User.id).where(User.username == "motcua.tinh"))
        procedure = get_procedure(session, "dinh-chinh-gcn")
        ticked = [doc["name"] for doc in procedure.documents if doc.get("required")]
        for offset, applicant in enumerate(SAMPLE_APPLICANTS):
            receive_dossier(
                session, procedure_code="dinh-chinh-gcn", applicant=applicant, channel="direct",
                received_at=now - timedelta(minutes=30 - offset), receiving_unit_code="000.00.01.H99",
                actor_id=officer, now=now, components=ticked,
            )
    return logins
