"""English as the second locale: the catalogue is complete, compiled and current; pages follow ?lang=."""
from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import render_template_string

from webpages import csrf_token, login, receive

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "webapp" / "translations"
PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
MO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.mo"
# The keywords `pybabel extract -k lazy_pgettext:1c,2` adds for the menu labels (webapp/navigation.py).
KEYWORDS = {**DEFAULT_KEYWORDS, "lazy_pgettext": ((1, "c"), 2)}
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*[sd]|\{\w+\}")
VIETNAMESE_MENU = ("Công việc", "Tiếp nhận hồ sơ", "Hồ sơ", "Sổ theo dõi", "Thủ tục")
ENGLISH_MENU = ("Inbox", "Reception", "Dossiers", "Register", "Procedures")


def catalog(path: Path):
    with path.open("rb") as handle:
        return read_mo(handle) if path.suffix == ".mo" else read_po(handle)


def translations(messages) -> dict:
    return {(m.context, m.id): m.string for m in messages if m.id and "fuzzy" not in m.flags}


def extracted_ids() -> set:
    """What `pybabel extract -F babel.cfg` finds in the sources now, without writing any file."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)

    def only_sources(dirpath: str) -> bool:
        return Path(dirpath).relative_to(ROOT).parts[0] in {"engine", "webapp"}

    found = extract_from_dir(str(ROOT), method_map, options_map, keywords=KEYWORDS, directory_filter=only_sources)
    return {(context, message) for _file, _line, message, _comments, context, *_rest in found}


def menu(html: str) -> list[str]:
    nav = re.search(r'<nav class="main-nav".*?</nav>', html, re.S)
    return re.findall(r">([^<]+)</a>", nav.group(0)) if nav else []


def test_the_compiled_english_catalogue_matches_its_po_file():
    assert translations(catalog(MO)) == translations(catalog(PO)), "run pybabel compile -d webapp/translations"


def test_every_message_has_an_english_translation_keeping_its_placeholders():
    english = catalog(PO)
    template = catalog(TRANSLATIONS / "messages.pot")
    for message in template:
        if not message.id:
            continue
        translated = english.get(message.id, message.context)
        assert translated is not None and translated.string.strip(), f"no English for {message.id!r}"
        assert "fuzzy" not in translated.flags, f"fuzzy English for {message.id!r}"
        assert sorted(PLACEHOLDER.findall(translated.string)) == sorted(PLACEHOLDER.findall(message.id)), message.id


def test_the_catalogue_holds_every_message_the_sources_use_now():
    known = set(translations(catalog(PO)))
    missing = sorted(extracted_ids() - known, key=str)
    assert not missing, f"extract and update the catalogue, then translate: {missing[:10]}"


def test_the_desk_officer_reads_the_inbox_in_english_and_switches_back_to_vietnamese(client, factory, org, now):
    receive(factory, org, now)
    login(client, "motcua.tinh")
    page = client.get("/?lang=en")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and '<html lang="en">' in html
    assert set(ENGLISH_MENU) <= set(menu(html)) and not set(VIETNAMESE_MENU) & set(menu(html))
    assert "<h1>My work items</h1>" in html and "Unclaimed in my unit" in html and "Sign out" in html
    assert "Công việc của tôi" not in html and "Đăng xuất" not in html
    later = client.get("/dossiers").get_data(as_text=True)  # the cookie remembers the choice
    assert "Received" in later and "Được tiếp nhận" not in later and "Dossiers" in menu(later)
    back = client.get("/?lang=vi").get_data(as_text=True)
    assert set(VIETNAMESE_MENU) <= set(menu(back)) and not set(ENGLISH_MENU) & set(menu(back))
    assert "<h1>Công việc của tôi</h1>" in back


def test_the_public_lookup_speaks_english_including_the_refusal(client, factory, org, now):
    receipt = receive(factory, org, now)
    form = client.get(f"/tra-cuu?lang=en&code={receipt.code}").get_data(as_text=True)
    assert "Check dossier status" in form and "Lookup code" in form and "Mã tra cứu" not in form
    bad = "AAAAAAAA" if receipt.secret != "AAAAAAAA" else "BBBBBBBB"
    refused = client.post("/tra-cuu", data={"csrf_token": csrf_token(form), "code": receipt.code, "secret": bad})
    assert refused.status_code == 404
    assert "No dossier matches the dossier code and lookup code entered." in refused.get_data(as_text=True)
    found = client.post("/tra-cuu", data={"csrf_token": csrf_token(form), "code": receipt.code,
                                          "secret": receipt.secret}).get_data(as_text=True)
    assert "Dossier status" in found and "Received" in found and "Được tiếp nhận" not in found


def test_a_printed_form_stays_vietnamese_in_english_but_its_toolbar_does_not(client, factory, org, now):
    receipt = receive(factory, org, now)
    login(client, "motcua.tinh")
    page = client.get(f"/dossiers/{receipt.code}/mau-06?lang=en")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in html and "PHIẾU KIỂM SOÁT" in html.upper()
    assert "Print form" in html and "In biểu mẫu" not in html


def test_a_translated_message_in_a_template_is_escaped_and_may_hold_a_percent_sign(app):
    with app.test_request_context("/?lang=en"):
        page = render_template_string('{{ _(text) }} · {{ _("Mã lỗi: %(status)s", status=code) }} · {{ _(label) }}',
                                      text="Thành phần <b>X</b> 100% đủ", code="<i>", label="Đúng hạn")
    assert page == "Thành phần &lt;b&gt;X&lt;/b&gt; 100% đủ · Error code: &lt;i&gt; · On time"


def test_the_reception_form_reads_in_english_while_the_printed_receipt_stays_vietnamese(client, factory, org, now):
    login(client, "motcua.tinh")
    form = client.get("/reception/dinh-chinh-gcn?lang=en").get_data(as_text=True)
    assert "Full name" in form and "8 working days" in form and "One-stop" in form
    assert "Họ và tên" not in form and "ngày làm việc" not in form
    receipt = receive(factory, org, now)
    printed = client.get(f"/reception/receipts/{receipt.code}").get_data(as_text=True)
    assert "8 ngày làm việc" in printed and "working days" not in printed and "Print form" in printed


def test_the_language_switch_keeps_the_page_and_its_query(client, org):
    from webpages import login

    login(client, "motcua.tinh")
    html = client.get("/dossiers?q=nguyen&status=4&lang=vi").get_data(as_text=True)
    assert 'href="/dossiers?q=nguyen&amp;status=4&amp;lang=en"' in html
