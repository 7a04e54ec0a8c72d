"""The catalogue page of a procedure lists what is still unverified, each item by its label with the reason its
procedure.toml gives, so an official knows what to check before relying on it."""
from __future__ import annotations

import re

from tests.webapp.webpages import login


def unverified_items(html: str) -> list[str]:
    section = re.search(r'<section class="card catalogue-unverified">(.*?)</section>', html, re.S)
    return [" ".join(re.sub(r"<[^>]+>", "", item).split()) for item in re.findall(r"<li>(.*?)</li>", section.group(1),
                                                                                       re.S)] if section else []


def test_each_unverified_item_reads_with_its_reason(client, org):
    login(client, "motcua.tinh")
    items = unverified_items(client.get("/procedures/1.004227").get_data(as_text=True))
    assert [item.split(":")[0] for item in items] == ["Mã thủ tục", "Thời hạn giải quyết", "Căn cứ pháp lý",
                                                       "Thành phần hồ sơ", "Phí, lệ phí", "Cơ quan giải quyết"]
    assert items[0] == ("Mã thủ tục: Mã 1.004227 theo hiểu biết chung, chưa đối chiếu Cơ sở dữ liệu quốc gia về thủ "
                        "tục hành chính.")
    assert "10 ngày làm việc" in items[1]  # the national portal's earlier entry, beside the 8 days configured


def test_a_checked_procedure_lists_only_what_is_left_and_a_partner_agency_its_level(client, org):
    login(client, "motcua.tinh")
    html = client.get("/procedures/2.000815").get_data(as_text=True)  # chứng thực: code, fee, documents checked
    assert [item.split(":")[0] for item in unverified_items(html)] == ["Tên thủ tục", "Căn cứ pháp lý"]
    assert "tối đa 200.000 đồng/bản (Cổng Dịch vụ công quốc gia)" in html
    items = unverified_items(client.get("/procedures/LT.BHYT-KS").get_data(as_text=True))
    assert any(item.startswith("Cấp thực hiện: Bảo hiểm xã hội là ngành dọc") for item in items)
    assert any(item.startswith("Cách tính thời hạn khi bổ sung hồ sơ: ") for item in items)  # a label, not the key
