"""MOTCUA_ENV=production refuses unsafe defaults at start-up and turns on HTTPS-only cookies and HSTS."""
from __future__ import annotations

import pytest

from tests.webapp.webpages import csrf_token, PASSWORD

from engine.infra.settings import production_problems, Settings
from webapp.app import create_app
from webapp.cli import main

KEY = "k" * 48


def safe(tmp_path, **changes) -> Settings:
    """A production configuration with nothing to refuse."""
    values = {"env": "production", "database_url": "postgresql://motcua@db.example/motcua", "secret_key": KEY,
              "ratelimit_storage_uri": "redis://127.0.0.1:6379", "storage_dir": str(tmp_path),
              "instance_path": tmp_path / "instance", "web_workers": 4, "web_hosts": 2, **changes}
    return Settings(**values)


def test_a_safe_production_configuration_starts(tmp_path):
    assert production_problems(safe(tmp_path)) == []
    assert production_problems(safe(tmp_path), "worker") == []


@pytest.mark.parametrize("changes, says", [
    ({"secret_key": ""}, "Thiếu MOTCUA_SECRET_KEY"),
    ({"secret_key": "ngan-qua"}, "MOTCUA_SECRET_KEY quá ngắn"),
    ({"database_url": ""}, "cần PostgreSQL"),
    ({"database_url": "sqlite:////srv/motcua.db"}, "cần PostgreSQL"),
    ({"ratelimit_storage_uri": "memory://"}, "8 tiến trình web"),
    ({"ratelimit_storage_uri": "memory://", "web_workers": 1}, "2 tiến trình web"),  # one worker on two hosts
    ({"ratelimit_storage_uri": "memory://", "web_hosts": 1}, "4 tiến trình web"),
    ({"storage_dir": ""}, "Thiếu MOTCUA_STORAGE_DIR"),
    ({"env": "prod"}, "MOTCUA_ENV phải là development hoặc production"),
])
def test_each_unsafe_default_is_refused_with_its_reason(tmp_path, changes, says):
    problems = production_problems(safe(tmp_path, **changes))
    assert len(problems) == 1 and says in problems[0], problems


def test_in_memory_limits_are_fine_for_one_process_on_one_host(tmp_path):
    assert production_problems(safe(tmp_path, ratelimit_storage_uri="memory://", web_workers=1, web_hosts=1)) == []


def test_a_storage_directory_that_cannot_be_written_is_refused(tmp_path):
    (tmp_path / "mot-tep").write_text("không phải thư mục")
    for path in (tmp_path / "khong-co", tmp_path / "mot-tep"):
        problems = production_problems(safe(tmp_path, storage_dir=str(path)))
        assert len(problems) == 1 and "Không ghi được" in problems[0] and "thư mục không tồn tại" in problems[0]


def test_the_worker_needs_only_postgresql(tmp_path):
    settings = safe(tmp_path, secret_key="", storage_dir="", ratelimit_storage_uri="memory://", database_url="")
    assert [p for p in production_problems(settings, "worker")] == [production_problems(settings)[0]]


def test_outside_production_nothing_is_refused(tmp_path):
    assert production_problems(Settings(instance_path=tmp_path, web_workers=8)) == []


def test_the_app_itself_refuses_to_be_built_on_an_unsafe_production_configuration(tmp_path, db_engine):
    with pytest.raises(ValueError, match="MOTCUA_SECRET_KEY"):
        create_app(safe(tmp_path, secret_key=""), engine=db_engine)


def test_production_cookies_are_https_only_and_responses_carry_hsts(tmp_path, db_engine, org):
    client = create_app(safe(tmp_path), engine=db_engine).test_client()
    page = client.get("/login", base_url="https://motcua.example")
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    signed_in = client.post("/login", base_url="https://motcua.example",
                            headers={"Referer": "https://motcua.example/login"},  # CSRF's check over HTTPS
                            data={"csrf_token": csrf_token(page.get_data(as_text=True)), "username": "motcua.tinh",
                                  "password": PASSWORD})
    assert signed_in.status_code == 302
    cookie = signed_in.headers["Set-Cookie"]
    assert "motcua_session=" in cookie and "Secure" in cookie and "HttpOnly" in cookie


@pytest.mark.parametrize("command", [["serve"], ["worker", "--once"], ["run"]])
def test_the_commands_refuse_to_start_and_say_why(tmp_path, monkeypatch, capsys, command):
    for name in ("MOTCUA_SECRET_KEY", "MOTCUA_DATABASE_URL", "MOTCUA_STORAGE_DIR", "MOTCUA_RATELIMIT_STORAGE_URI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MOTCUA_ENV", "production")
    monkeypatch.setenv("MOTCUA_INSTANCE_PATH", str(tmp_path))
    assert main(command) == 1
    err = capsys.readouterr().err
    assert "Không khởi động" in err and "refusing to start" in err
    assert ("motcua serve" in err) if command == ["run"] else ("cần PostgreSQL" in err)
    assert not (tmp_path / "motcua.db").exists()  # refused before anything was created
