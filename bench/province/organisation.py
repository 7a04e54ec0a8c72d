"""The organisation of the generated province: its units (the People's Committee, agencies, former districts,
communes), its fields of procedures with their deciding agencies, legal limits and shares of the volume, the
published names of the most used procedures, and build_province, which creates them (each procedure with one
active process version) and a provincial leader who reads all reports; Province keeps their ids."""
from __future__ import annotations

import random
from datetime import datetime
from decimal import Decimal
from itertools import accumulate

from sqlalchemy import select

from engine.infra.clock import VN_TZ
from engine.infra.db import unit_of_work
from engine.models import Procedure, ProcessVersion, Unit, User
from engine.onestop.tallies import unit_chain
from engine.org.accounts import ensure_role, ensure_unit, grant_role

PROVINCE = "Bình Sơn"  # fictional
AGENCIES = [  # (name, parent name or None for the province); the first receives the provincial dossiers
    ("Trung tâm Phục vụ hành chính công tỉnh", None), ("Văn phòng Ủy ban nhân dân tỉnh", None),
    ("Sở Tài chính", None), ("Sở Nội vụ", None), ("Sở Tư pháp", None), ("Sở Xây dựng", None),
    ("Sở Nông nghiệp và Môi trường", None), ("Sở Công Thương", None), ("Sở Y tế", None),
    ("Sở Giáo dục và Đào tạo", None), ("Sở Văn hóa, Thể thao và Du lịch", None), ("Sở Khoa học và Công nghệ", None),
    ("Sở Dân tộc và Tôn giáo", None), ("Sở Ngoại vụ", None), ("Thanh tra tỉnh", None),
    ("Ban Quản lý các khu công nghiệp tỉnh", None), ("Văn phòng Đăng ký đất đai tỉnh", None),
    ("Chi nhánh Văn phòng Đăng ký đất đai khu vực I", "Văn phòng Đăng ký đất đai tỉnh"),
    ("Chi cục Kiểm lâm", "Sở Nông nghiệp và Môi trường"), ("Công an tỉnh", None), ("Thuế tỉnh", None),
    ("Bảo hiểm xã hội tỉnh", None), ("Bộ Chỉ huy Quân sự tỉnh", None), ("Kho bạc Nhà nước khu vực", None),
    ("Ban Quản lý dự án đầu tư xây dựng tỉnh", None),
]
DISTRICTS = ["thành phố Bình Sơn", "thị xã Đông Lâm", "huyện Tây Phong", "huyện Nam Giang"]
COMMUNES_PER_DISTRICT, DIRECT_COMMUNES = 25, 20
_PLACE_A = ["Tân", "Hòa", "Phú", "An", "Bình", "Thạnh", "Long", "Mỹ", "Vĩnh", "Phước", "Đông", "Tây"]
_PLACE_B = ["Lập", "Hưng", "Thành", "Lộc", "Thịnh", "Sơn", "Tiến", "Hiệp", "Định", "Xuân", "Khánh", "Trung"]

# (field, deciding agency (None: the commune), procedures, legal limits in working days, share of the volume)
FIELDS = [
    ("Hộ tịch", None, 20, (0, 1, 3, 5, 10), 30), ("Chứng thực", None, 10, (0, 0, 1, 2), 26),
    ("Bảo trợ xã hội", None, 12, (7, 10, 15, 20), 4), ("Người có công", None, 8, (5, 10, 12, 20), 2),
    ("Đất đai (cấp xã)", None, 12, (10, 15, 20, 30), 10),
    ("Thành lập và hoạt động của hộ kinh doanh", None, 8, (3, 5), 4),
    ("Xây dựng (cấp xã)", None, 8, (7, 15, 20), 3), ("Giáo dục và đào tạo (cấp xã)", None, 8, (5, 10, 15), 2),
    ("Nông nghiệp (cấp xã)", None, 6, (5, 10, 15), 1), ("Thi đua, khen thưởng", None, 6, (10, 20), 1),
    ("Nuôi con nuôi", None, 4, (10, 30), 0.3), ("Tín ngưỡng, tôn giáo", None, 5, (10, 20, 30), 0.4),
    ("Thành lập và hoạt động của doanh nghiệp", "Sở Tài chính", 18, (3,), 5),
    ("Đầu tư tại Việt Nam", "Sở Tài chính", 9, (15, 20, 35), 0.6),
    ("Đất đai", "Văn phòng Đăng ký đất đai tỉnh", 16, (10, 15, 20, 30), 8),
    ("Xây dựng", "Sở Xây dựng", 12, (15, 20, 30), 1.2), ("Đường bộ", "Sở Xây dựng", 12, (3, 5, 10), 4),
    ("Môi trường", "Sở Nông nghiệp và Môi trường", 10, (15, 20, 30), 0.6),
    ("Tài nguyên nước", "Sở Nông nghiệp và Môi trường", 6, (15, 20, 30), 0.3),
    ("Lâm nghiệp", "Chi cục Kiểm lâm", 6, (5, 10, 15), 0.4),
    ("Trồng trọt, bảo vệ thực vật và thú y", "Sở Nông nghiệp và Môi trường", 9, (5, 7, 10), 0.6),
    ("Lưu thông hàng hóa trong nước", "Sở Công Thương", 10, (5, 7, 10, 15), 1.2),
    ("Điện", "Sở Công Thương", 5, (10, 15), 0.2), ("Khám bệnh, chữa bệnh", "Sở Y tế", 10, (10, 20, 30), 1.5),
    ("Dược phẩm", "Sở Y tế", 10, (5, 10, 20), 1.0),
    ("Giáo dục và đào tạo", "Sở Giáo dục và Đào tạo", 10, (5, 10, 15), 1.0),
    ("Văn hóa, thể thao và du lịch", "Sở Văn hóa, Thể thao và Du lịch", 10, (5, 7, 10), 0.7),
    ("Việc làm và lao động nước ngoài", "Sở Nội vụ", 10, (3, 5, 10), 1.0),
    ("Lý lịch tư pháp", "Sở Tư pháp", 4, (10, 15), 3),
    ("Công chứng, luật sư và đấu giá tài sản", "Sở Tư pháp", 8, (5, 7, 10), 0.4),
    ("Khoa học, công nghệ và viễn thông", "Sở Khoa học và Công nghệ", 7, (5, 10, 15), 0.4),
    ("Phòng cháy, chữa cháy", "Công an tỉnh", 5, (5, 10), 0.6),
    ("Quản lý khu công nghiệp", "Ban Quản lý các khu công nghiệp tỉnh", 6, (5, 10, 15), 0.3),
]
KNOWN_NAMES = {  # the most used procedures of a field, by their published names; the others are numbered
    "Hộ tịch": ["Đăng ký khai sinh", "Đăng ký kết hôn", "Cấp bản sao trích lục hộ tịch", "Đăng ký khai tử",
                "Cấp giấy xác nhận tình trạng hôn nhân",
                "Liên thông đăng ký khai sinh, đăng ký thường trú, cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi",
                "Đăng ký thay đổi, cải chính, bổ sung thông tin hộ tịch", "Đăng ký nhận cha, mẹ, con"],
    "Chứng thực": ["Chứng thực bản sao từ bản chính", "Chứng thực chữ ký trong các giấy tờ, văn bản",
                   "Chứng thực hợp đồng, giao dịch liên quan đến tài sản là động sản",
                   "Chứng thực hợp đồng, giao dịch liên quan đến thực hiện quyền của người sử dụng đất"],
    "Bảo trợ xã hội": ["Trợ giúp xã hội thường xuyên đối với đối tượng bảo trợ xã hội", "Hỗ trợ chi phí mai táng"],
    "Đất đai (cấp xã)": ["Xác nhận tình trạng sử dụng đất", "Đăng ký đất đai, tài sản gắn liền với đất lần đầu",
                         "Chuyển mục đích sử dụng đất"],
    "Thành lập và hoạt động của hộ kinh doanh": ["Đăng ký thành lập hộ kinh doanh",
                                                 "Đăng ký thay đổi nội dung đăng ký hộ kinh doanh",
                                                 "Tạm ngừng hoạt động hộ kinh doanh"],
    "Thành lập và hoạt động của doanh nghiệp": [
        "Đăng ký thay đổi nội dung đăng ký doanh nghiệp",
        "Đăng ký thành lập công ty trách nhiệm hữu hạn một thành viên", "Đăng ký thành lập doanh nghiệp tư nhân",
        "Thông báo tạm ngừng kinh doanh"],
    "Đất đai": ["Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất",
                "Cấp đổi Giấy chứng nhận quyền sử dụng đất", "Xóa đăng ký thế chấp", "Tách thửa hoặc hợp thửa đất",
                "Đính chính Giấy chứng nhận đã cấp"],
    "Đường bộ": ["Đổi giấy phép lái xe do ngành Giao thông vận tải cấp", "Cấp lại giấy phép lái xe",
                 "Cấp giấy phép lái xe quốc tế"],
    "Lý lịch tư pháp": ["Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú tại Việt Nam",
                        "Cấp Phiếu lý lịch tư pháp cho cơ quan tiến hành tố tụng"],
}


class Province:
    """Ids of the generated units and procedures, as a database holds them."""

    def __init__(self):
        self.root = self.centre = 0
        self.units: dict[str, int] = {}  # name -> id
        self.communes: list[int] = []
        self.commune_weights: list[float] = []
        self.procedures: list[dict] = []  # id, version_id, limit, variant, deciding (None: the commune), weight
        self.chains: list[tuple[int, ...]] = []  # unit chains, as engine.onestop.tallies.unit_chain gives them
        self.chain_of: dict[tuple[int, int], int] = {}  # (receiving, deciding) -> index in chains
        self.unit_code: dict[int, str] = {}
        self.leader = 0
        self.department = 0  # the department measured: the land registration office


def build_province(factory) -> Province:
    """Units, procedures (each with one active process version), and a provincial leader who reads all reports."""
    rng = random.Random(2024)
    prov = Province()
    at = datetime(2023, 12, 1, 9, 0, tzinfo=VN_TZ)
    with unit_of_work(factory) as s:
        root_code = "000.00.00.H60"
        ensure_unit(s, root_code, f"Ủy ban nhân dân tỉnh {PROVINCE}", "tinh")
        codes = {None: root_code}
        for k, (name, parent) in enumerate(AGENCIES, 1):
            codes[name] = f"000.00.{k:02d}.H60"
            ensure_unit(s, codes[name], name, "tinh", codes[parent])
        names = [f"{a} {b}" for a in _PLACE_A for b in _PLACE_B if a != b]
        rng.shuffle(names)
        places = iter(names)
        communes = []
        for d, district in enumerate(DISTRICTS, 41):
            district_code = f"000.{d:02d}.00.H60"
            ensure_unit(s, district_code, f"Ủy ban nhân dân {district}", "xa", root_code)
            kind = "phường" if d == 41 else "xã"
            for c in range(1, COMMUNES_PER_DISTRICT + 1):
                communes.append((f"000.{d:02d}.{c:02d}.H60", f"Ủy ban nhân dân {kind} {next(places)}", district_code))
        for c in range(1, DIRECT_COMMUNES + 1):
            communes.append((f"000.50.{c:02d}.H60", f"Ủy ban nhân dân xã {next(places)}", root_code))
        for code, name, parent in communes:
            ensure_unit(s, code, name, "xa", parent)
        units = {u.code: u for u in s.scalars(select(Unit))}
        prov.unit_code = {u.id: u.code for u in units.values()}
        prov.root, prov.centre = units[root_code].id, units[codes[AGENCIES[0][0]]].id
        prov.units = {u.name: u.id for u in units.values()}
        prov.communes = [units[code].id for code, _, _ in communes]
        sizes = [1 / (k + 1) ** 0.6 for k in range(len(communes))]
        rng.shuffle(sizes)
        prov.commune_weights = list(accumulate(sizes))
        prov.department = prov.units["Văn phòng Đăng ký đất đai tỉnh"]
        number = 0
        for field, agency, count, limits, share in FIELDS:
            harmonic = sum(1 / (k + 1) ** 1.1 for k in range(count))
            known = KNOWN_NAMES.get(field, [])
            for k in range(count):
                number += 1
                limit = rng.choice(limits)
                deciding = None if agency is None else prov.units[agency]
                if field == "Đất đai" and k % 2:
                    deciding = prov.units["Chi nhánh Văn phòng Đăng ký đất đai khu vực I"]
                roll = rng.random()
                if "Liên thông" in (known[k] if k < len(known) else "") or roll < 0.08:
                    variant = "inter_agency"
                elif agency is not None and limit <= 3 and roll < 0.30:
                    variant = "on_the_spot"
                else:
                    variant = "one_stop"
                name = known[k] if k < len(known) else f"{field}: thủ tục số {k + 1 - len(known):02d}"
                procedure = Procedure(code=f"1.{number:06d}", slug=f"bench-{number:03d}", name=name, field=field,
                                      level="xa" if agency is None else "tinh", variant=variant,
                                      time_limit=Decimal(limit), time_limit_unit="working_days",
                                      deciding_unit_id=deciding, fees=[], documents=[], unverified=[])
                s.add(procedure)
                s.flush()
                version = ProcessVersion(procedure_id=procedure.id, number=1, process_id="bench", files={}, forms={},
                                         meta={}, checksum="0" * 64, status="active", created_at=at, activated_at=at)
                s.add(version)
                s.flush()
                procedure.active_version_id = version.id
                prov.procedures.append(dict(id=procedure.id, version_id=version.id, limit=limit, variant=variant,
                                            deciding=deciding, weight=share / harmonic / (k + 1) ** 1.1))
        assert len(units) == 150 and number == 300, (len(units), number)
        pairs = [(c, c) for c in prov.communes] + sorted({(prov.centre, p["deciding"]) for p in prov.procedures
                                                         if p["deciding"] is not None})
        for pair in pairs:
            prov.chain_of[pair] = len(prov.chains)
            prov.chains.append(unit_chain(s, *pair))  # the engine's own chain: the units and all units above
        ensure_role(s, "lanh_dao", "Lãnh đạo đơn vị")
        leader = User(username="bench.leader", full_name="Lãnh đạo tỉnh", password_hash="!", is_active=True,
                      created_at=at)
        s.add(leader)
        s.flush()
        grant_role(s, leader, "lanh_dao", root_code)
        prov.leader = leader.id
    return prov
