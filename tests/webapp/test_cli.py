"""The `motcua` command on a temporary SQLite database chosen through MOTCUA_* variables."""
from __future__ import annotations

import io
import shutil
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine import make_engine, make_sessionmaker

from engine import demo
from engine.infra.db import unit_of_work
from engine.models import Dossier, Event, Membership, ProcessVersion, User
from engine import worker
from webapp.cli import main


@pytest.fixture
def database(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("MOTCUA_DATABASE_URL", url)
    monkeypatch.setenv("MOTCUA_INSTANCE_PATH", str(tmp_path / "instance"))
    assert main(["db", "upgrade"]) == 0
    engine = make_engine(url)
    yield make_sessionmaker(engine)
    engine.dispose()


def count(factory, column):
    with unit_of_work(factory) as session:
        return session.scalar(select(func.count(column)))


def test_db_upgrade_creates_the_instance_folder_and_schema(database, tmp_path, capsys):
    assert (tmp_path / "instance").is_dir()
    assert main(["db", "upgrade"]) == 0  # a second run is harmless
    assert "Đã nâng cấp cơ sở dữ liệu" in capsys.readouterr().out


def test_demo_prints_the_logins_and_running_it_twice_duplicates_nothing(database, capsys):
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    for text in ("Tên đăng nhập", "motcua.tinh", "Nguyễn Thị Lan", "chuyenvien.vpdk", "mot_cua @ 000.00.01.H99",
                 "motcua-demo"):
        assert text in out, text
    counts = [count(database, c) for c in (User.id, Membership.id, Dossier.id, ProcessVersion.id)]
    assert counts[0] == len(demo.USERS) and counts[2] == 2
    assert main(["demo"]) == 0
    assert [count(database, c) for c in (User.id, Membership.id, Dossier.id, ProcessVersion.id)] == counts


def seed_organisation(factory):
    """The demo's units and roles, without its users and dossiers: lanes must name roles that exist."""
    from engine.org.accounts import ensure_role, ensure_unit

    with unit_of_work(factory) as session:
        for code, name, level, parent in demo.UNITS:
            ensure_unit(session, code, name, level, parent)
        for key, name in demo.ROLES:
            ensure_role(session, key, name)


def test_load_procedures_reports_new_then_unchanged(database, capsys):
    seed_organisation(database)
    assert main(["load-procedures"]) == 0
    assert ("dinh-chinh-gcn — Đính chính Giấy chứng nhận đã cấp: phiên bản 1 (đang áp dụng, mới)"
            in capsys.readouterr().out)
    assert main(["load-procedures"]) == 0
    assert "phiên bản 1 (đang áp dụng, không đổi)" in capsys.readouterr().out


def test_load_procedures_prints_every_finding_of_a_refused_folder_and_loads_the_others(
        database, tmp_path, monkeypatch, capsys):
    bundled = Path(__file__).resolve().parents[2] / "bpmn"
    shutil.copytree(bundled, tmp_path / "bpmn")
    monkeypatch.setenv("MOTCUA_BPMN_PATH", str(tmp_path / "bpmn"))
    process = tmp_path / "bpmn" / "dinh-chinh-gcn" / "process.bpmn"
    process.write_text(process.read_text(encoding="utf-8").replace('name="van_thu"', 'name="thu_ky"'),
                       encoding="utf-8")
    (tmp_path / "bpmn" / "chung-thuc-ban-sao" / "forms" / "hong.json").write_bytes(b"[" * 100_000)
    seed_organisation(database)
    assert main(["load-procedures"]) == 1
    out, err = capsys.readouterr()
    assert "dinh-chinh-gcn: KHÔNG NẠP — 1 lỗi" in err
    assert ("lỗi: dinh-chinh-gcn/process.bpmn, dòng 119, phần tử ut_chuyen_tra (Chuyển trả kết quả cho Trung tâm): "
            "công việc ut_chuyen_tra (Chuyển trả kết quả cho Trung tâm): làn 'thu_ky' không phải vai trò nào") in err
    assert "lỗi: chung-thuc-ban-sao/hong.json: JSON lồng nhau quá sâu (tối đa 40 cấp)" in err
    assert "2/10 thư mục không nạp được: chung-thuc-ban-sao, dinh-chinh-gcn." in err and "Traceback" not in err
    assert "dang-ky-ho-kinh-doanh — Đăng ký thành lập hộ kinh doanh: phiên bản 1 (đang áp dụng, mới)" in out
    assert count(database, ProcessVersion.id) == 8


def test_a_changed_folder_waits_for_an_administrator_who_approves_it_from_the_command_line(
        database, tmp_path, monkeypatch, capsys):
    bundled = Path(__file__).resolve().parents[2] / "bpmn"
    shutil.copytree(bundled, tmp_path / "bpmn")
    monkeypatch.setenv("MOTCUA_BPMN_PATH", str(tmp_path / "bpmn"))
    assert main(["demo"]) == 0
    process = tmp_path / "bpmn" / "dinh-chinh-gcn" / "process.bpmn"
    process.write_text(process.read_text(encoding="utf-8").replace("Thẩm định", "Thẩm định hồ sơ", 1),
                       encoding="utf-8")
    capsys.readouterr()
    assert main(["load-procedures"]) == 0
    assert "dinh-chinh-gcn — Đính chính Giấy chứng nhận đã cấp: phiên bản 2 (chờ phê duyệt, mới)" in \
        capsys.readouterr().out
    decision = ["--decision", "125/QĐ-UBND", "--decision-date", "2026-12-01", "--signer", "Nguyễn Văn An"]
    assert main(["approve", "1.004227", "2", "--by", "thietke.tinh", *decision]) == 1
    assert "Chỉ quản trị viên" in capsys.readouterr().err
    assert main(["approve", "1.004227", "2", "--by", "quantri.tinh", *decision, "--activate"]) == 0
    assert main(["versions", "1.004227"]) == 0
    out = capsys.readouterr().out
    assert "2: Đang áp dụng, QĐ 125/QĐ-UBND ngày 01/12/2026" in out and "1: Ngừng áp dụng" in out
    with unit_of_work(database) as session:
        refused = session.scalars(select(Event).where(Event.action == "access_refused")).all()
    assert [e.detail["what"] for e in refused] == ["motcua approve 1.004227 2"]


def test_create_user_reads_the_password_from_stdin_and_grants_roles(database, monkeypatch, capsys):
    main(["demo"])
    monkeypatch.setattr("sys.stdin", io.StringIO("mat-khau-moi-123\n"))
    assert main(["create-user", "mot.cua2", "--full-name", "Trần Thị Bình", "--role", "mot_cua@000.00.01.H99",
                 "--password-stdin"]) == 0
    assert "Đã tạo tài khoản mot.cua2 (Trần Thị Bình)" in capsys.readouterr().out
    with unit_of_work(database) as session:
        from engine import authenticate, grants_of
        user = authenticate(session, "mot.cua2", "mat-khau-moi-123")
        assert {key for key, _ in grants_of(session, user.id).roles} == {"mot_cua"}


def test_engine_errors_print_their_vietnamese_message_and_exit_1(database, monkeypatch, capsys):
    main(["demo"])
    monkeypatch.setattr("sys.stdin", io.StringIO("mat-khau-moi-123\n"))
    assert main(["create-user", "motcua.tinh", "--full-name", "Trùng", "--password-stdin"]) == 1
    err = capsys.readouterr().err
    assert "Tên đăng nhập motcua.tinh đã tồn tại." in err and "Traceback" not in err
    monkeypatch.setattr("sys.stdin", io.StringIO("ngan\n"))
    assert main(["create-user", "nguoi.moi", "--full-name", "Mới", "--password-stdin"]) == 1
    assert "Mật khẩu phải có ít nhất 8 ký tự." in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("mat-khau-moi-123\n"))
    assert main(["create-user", "nguoi.moi", "--full-name", "Mới", "--role", "mot_cua@KHONG.CO",
                 "--password-stdin"]) == 1
    assert "Không có đơn vị mã KHONG.CO." in capsys.readouterr().err
    assert count(database, User.id) == len(demo.USERS)  # the failed command saved nothing


def test_bad_usage_exits_2_with_usage_in_vietnamese(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["create-user", "ai.do", "--role", "khong-dung-dang"])
    assert exit_info.value.code == 2
    assert "Cách dùng: motcua create-user" in capsys.readouterr().err


def test_worker_once_sweeps_and_prints_the_count(database, capsys):
    main(["demo"])
    assert main(["worker", "--once"]) == 0
    assert "Đã kích hoạt 0 hẹn giờ đến hạn." in capsys.readouterr().out


def test_embedded_worker_thread_sweeps_survives_errors_and_stops(monkeypatch):
    calls = []

    def flaky_sweep(factory):
        calls.append(factory)
        if len(calls) == 1:
            raise RuntimeError("cơ sở dữ liệu tạm thời không sẵn sàng")
        return 0

    monkeypatch.setattr(worker, "sweep", flaky_sweep)
    thread, stop = worker.start_thread("factory", 0.01)
    assert thread.daemon
    deadline = time.monotonic() + 5
    while len(calls) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    stop.set()
    thread.join(timeout=5)
    assert not thread.is_alive() and len(calls) >= 3
