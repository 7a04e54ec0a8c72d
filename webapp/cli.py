"""The `motcua` command: database, procedures, users, demo data, web server and timer worker."""
from __future__ import annotations

import argparse
import dataclasses
import gc
import getpass
import logging
import os
import signal
import sys
import threading

from sqlalchemy.exc import SQLAlchemyError

from engine import (
    clock,
    create_user,
    current_revision,
    from_environ,
    get_procedure,
    grant_role,
    load_procedures,
    make_sessionmaker,
    MotcuaError,
    notifier,
    production_problems,
    run_worker,
    seed_demo,
    Settings,
    sms_adapter_from,
    start_worker_thread,
    sweep_once,
    upgrade_database,
    ensure_report_counters,
    rebuild_report_counters,
    user_by_username,
    ValidationFailed,
    VERSION_STATE_LABELS,
)

from .cli_db import database_for, session_for
from .versions_cli import add_commands as add_version_commands


class _Formatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, prefix="Cách dùng: " if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    """argparse with its own headings and error prefix in Vietnamese."""

    def __init__(self, *args, **kwargs):
        kwargs["add_help"] = False
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)
        self._positionals.title = "đối số"
        self._optionals.title = "tùy chọn"
        self.add_argument("-h", "--help", action="help", help="hiện hướng dẫn này rồi thoát")

    def error(self, message):
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: lỗi: {message}\n")


def _role(text: str) -> tuple[str, str]:
    role, sep, unit = text.partition("@")
    if not sep or not role or not unit:
        raise argparse.ArgumentTypeError(f"'{text}' phải có dạng VAI_TRÒ@MÃ_ĐƠN_VỊ, ví dụ mot_cua@000.00.01.H99")
    return role, unit


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"'{text}' phải là số nguyên dương")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="motcua", description="motcua — Một cửa điện tử: quản trị và chạy hệ thống. "
                     "Cấu hình đọc từ các biến môi trường MOTCUA_*.")
    commands = parser.add_subparsers(title="lệnh", metavar="LỆNH", dest="command", required=True)
    db = commands.add_parser("db", help="quản lý lược đồ cơ sở dữ liệu", description="Quản lý lược đồ cơ sở dữ liệu.")
    db_commands = db.add_subparsers(title="lệnh", metavar="LỆNH", dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="nâng cấp cơ sở dữ liệu lên phiên bản lược đồ mới nhất",
                           description="Tạo hoặc nâng cấp lược đồ cơ sở dữ liệu (Alembic) lên phiên bản mới nhất."
                           ).set_defaults(handler=cmd_db_upgrade)
    db_commands.add_parser("recount", help="tính lại số liệu báo cáo từ các hồ sơ",
                           description="Tính lại mọi số liệu báo cáo, chỉ số (bảng dossier_stat) từ các hồ sơ đã có, "
                           "trong một giao dịch; số liệu được giữ tự động khi xử lý hồ sơ, lệnh này chỉ cần khi khôi "
                           "phục dữ liệu từ nơi khác.").set_defaults(handler=cmd_db_recount)
    load = commands.add_parser("load-procedures", help="nạp các thủ tục trong thư mục bpmn/",
                               description="Nạp quy trình, biểu mẫu của mọi thủ tục trong thư mục bpmn/. Thủ tục nạp "
                               "lần đầu được áp dụng ngay; thủ tục có thay đổi thành phiên bản chờ phê duyệt, trừ khi "
                               "có --activate --by <quản trị viên>.")
    load.add_argument("--activate", action="store_true", help="áp dụng ngay các phiên bản thay đổi (cần --by)")
    load.add_argument("--by", metavar="TÊN_ĐĂNG_NHẬP", help="quản trị viên phê duyệt và áp dụng khi có --activate")
    load.set_defaults(handler=cmd_load_procedures)
    user = commands.add_parser("create-user", help="tạo tài khoản cán bộ", description="Tạo tài khoản cán bộ; "
                               "mật khẩu được hỏi khi chạy (không ghi trên dòng lệnh).")
    user.add_argument("username", metavar="TÊN_ĐĂNG_NHẬP", help="tên đăng nhập (chữ, số, dấu chấm, gạch dưới)")
    user.add_argument("--full-name", required=True, metavar="HỌ_TÊN", help="họ và tên đầy đủ, có dấu")
    user.add_argument("--role", action="append", type=_role, default=[], metavar="VAI_TRÒ@MÃ_ĐƠN_VỊ",
                      help="giao vai trò tại đơn vị, ví dụ mot_cua@000.00.01.H99 (dùng lại để giao nhiều vai trò)")
    user.add_argument("--password-stdin", action="store_true", help="đọc mật khẩu từ dòng đầu của đầu vào chuẩn")
    user.set_defaults(handler=cmd_create_user)
    add_version_commands(commands)
    commands.add_parser("demo", help="tạo dữ liệu trình diễn (đơn vị, cán bộ, hồ sơ mẫu)",
                        description="Tạo đơn vị, vai trò, tài khoản và hồ sơ mẫu để dùng thử; chạy lại không tạo "
                        "trùng.").set_defaults(handler=cmd_demo)
    run = commands.add_parser("run", help="chạy máy chủ web", description="Chạy máy chủ web; khi "
                              "MOTCUA_EMBEDDED_WORKER bật, xử lý hẹn giờ chạy cùng tiến trình.")
    run.add_argument("--host", default="127.0.0.1", help="địa chỉ lắng nghe (mặc định: %(default)s)")
    run.add_argument("--port", type=int, default=5000, help="cổng lắng nghe (mặc định: %(default)s)")
    run.set_defaults(handler=cmd_run)
    serve = commands.add_parser("serve", help="chạy máy chủ web cho vận hành thật (gunicorn, nhiều tiến trình)",
                                description="Chạy máy chủ web gunicorn: nhiều tiến trình, mỗi tiến trình nhiều luồng. "
                                "Không xử lý hẹn giờ: chạy thêm 'motcua worker'. Mặc định lấy từ MOTCUA_WEB_BIND, "
                                "MOTCUA_WEB_WORKERS, MOTCUA_WEB_THREADS, MOTCUA_WEB_TIMEOUT.")
    serve.add_argument("--bind", metavar="ĐỊA_CHỈ:CỔNG", help="địa chỉ lắng nghe, ví dụ 127.0.0.1:8000 hoặc "
                       "unix:/run/motcua/web.sock (nhiều địa chỉ cách nhau bằng dấu phẩy)")
    serve.add_argument("--workers", type=_positive, metavar="N", help="số tiến trình web trên máy này")
    serve.add_argument("--threads", type=_positive, metavar="N", help="số luồng của mỗi tiến trình")
    serve.add_argument("--timeout", type=_positive, metavar="GIÂY", help="khởi động lại tiến trình im lặng quá lâu")
    serve.set_defaults(handler=cmd_serve)
    work = commands.add_parser("worker", help="chạy tiến trình xử lý hẹn giờ",
                               description="Định kỳ kích hoạt các hẹn giờ đến hạn của hồ sơ (thời hạn xử lý).")
    work.add_argument("--once", action="store_true", help="quét một lần, in số hẹn giờ đã kích hoạt rồi thoát")
    work.set_defaults(handler=cmd_worker)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status (argparse exits with 2 on bad usage)."""
    args = build_parser().parse_args(argv)
    try:
        settings = from_environ(os.environ)
        sms_adapter_from(settings)  # an unknown adapter is a configuration error, said here
        logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        if logging.getLogger().level > logging.DEBUG:
            logging.getLogger("spiff").setLevel(logging.WARNING)  # SpiffWorkflow logs every task state at INFO
    except ValueError as exc:
        print(f"Cấu hình không hợp lệ: {exc}", file=sys.stderr)
        return 1
    try:
        return args.handler(settings, args) or 0
    except MotcuaError as exc:
        print(exc.message, file=sys.stderr)
        for field, messages in getattr(exc, "errors", {}).items() if isinstance(exc, ValidationFailed) else ():
            print(f"  {field}: {' '.join(messages)}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        detail = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        print(f"Lỗi cơ sở dữ liệu: {detail}\nHãy kiểm tra MOTCUA_DATABASE_URL và chạy 'motcua db upgrade'.",
              file=sys.stderr)
        return 1


def cmd_db_upgrade(settings: Settings, _args) -> int:
    with database_for(settings) as engine:
        upgrade_database(engine)
        print(f"Đã nâng cấp cơ sở dữ liệu lên phiên bản {current_revision(engine)}.")
    with session_for(settings) as session:
        counted = ensure_report_counters(session)
        if counted:
            print(f"Đã tính số liệu báo cáo của {counted} hồ sơ đã có.")
    return 0


def cmd_db_recount(settings: Settings, _args) -> int:
    with session_for(settings) as session:
        counted = rebuild_report_counters(session)
    print(f"Đã tính lại số liệu báo cáo của {counted} hồ sơ.")
    return 0


def cmd_load_procedures(settings: Settings, args) -> int:
    if args.activate and not args.by:
        print("--activate cần --by <tên đăng nhập của quản trị viên>.", file=sys.stderr)
        return 2
    with session_for(settings) as session:
        actor_id = user_by_username(session, args.by).id if args.by else None
        results = load_procedures(session, settings.bpmn_path, clock.now(), actor_id,
                                  max_bytes=settings.max_bpmn_bytes, activate=args.activate)
        for result in results:
            if result.refused:
                errors = sum(finding.is_error for finding in result.findings)
                print(f"{result.slug}: KHÔNG NẠP — {errors} lỗi, không lưu gì của thư mục này", file=sys.stderr)
            else:
                name = get_procedure(session, result.slug).name
                state = VERSION_STATE_LABELS[result.status].lower() + (", mới" if result.created else ", không đổi")
                print(f"{result.slug} — {name}: phiên bản {result.version} ({state})")
            for finding in result.findings:
                print(f"  {describe_finding(result.slug, finding)}", file=sys.stderr if result.refused else sys.stdout)
    if not results:
        print(f"Không có thủ tục nào trong {settings.bpmn_path}.")
    refused = [result.slug for result in results if result.refused]
    if refused:
        print(f"{len(refused)}/{len(results)} thư mục không nạp được: {', '.join(refused)}.", file=sys.stderr)
    return 1 if refused else 0


def describe_finding(folder: str, finding) -> str:
    """'lỗi: bpmn/<folder>/process.bpmn, dòng 12, phần tử ut_a (Tiếp nhận): …' as the command prints it."""
    where = [f"{folder}/{finding.file}" if finding.file else folder]
    if finding.line:
        where.append(f"dòng {finding.line}")
    if finding.element:
        where.append(f"phần tử {finding.element}" + (f" ({finding.name})" if finding.name else ""))
    kind = "lỗi" if finding.is_error else "cảnh báo"
    return f"{kind}: {', '.join(where)}: {finding.message}"


def cmd_create_user(settings: Settings, args) -> int:
    password = _read_password(args.password_stdin)
    if password is None:
        print("Hai lần nhập mật khẩu không khớp.", file=sys.stderr)
        return 1
    with session_for(settings) as session:
        user = create_user(session, args.username, args.full_name, password, clock.now())
        for role, unit in args.role:
            grant_role(session, user, role, unit)
    roles = ", ".join(f"{role} @ {unit}" for role, unit in args.role) or "chưa có vai trò"
    print(f"Đã tạo tài khoản {args.username} ({args.full_name}); vai trò: {roles}.")
    return 0


def _read_password(from_stdin: bool) -> str | None:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Mật khẩu: ")
    return first if getpass.getpass("Nhập lại mật khẩu: ") == first else None


def cmd_demo(settings: Settings, _args) -> int:
    with session_for(settings) as session:
        logins = seed_demo(session, clock.now(), settings.demo_password, settings.bpmn_path)
    rows = [("Tên đăng nhập", "Họ và tên", "Vai trò @ đơn vị")]
    rows += [(login.username, login.full_name, login.roles) for login in logins]
    widths = [max(len(row[i]) for row in rows) for i in range(2)]
    print("Tài khoản trình diễn:")
    for number, row in enumerate(rows):
        print(f"  {row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]}")
        if number == 0:
            print(f"  {'-' * widths[0]}  {'-' * widths[1]}  {'-' * len(row[2])}")
    print(f"Mật khẩu chung của các tài khoản trình diễn: {settings.demo_password}")
    return 0


def _refused(problems: list[str]) -> int:
    """Print why the configuration cannot start (MOTCUA_ENV=production) and give the exit status 1."""
    print("Không khởi động vì cấu hình chưa an toàn cho môi trường production "
          "(refusing to start: unsafe production configuration):", file=sys.stderr)
    for problem in problems:
        print(f"  - {problem}", file=sys.stderr)
    return 1


def cmd_serve(settings: Settings, args) -> int:
    given = {"web_bind": args.bind, "web_workers": args.workers, "web_threads": args.threads,
             "web_timeout": args.timeout}
    settings = dataclasses.replace(settings, **{name: value for name, value in given.items() if value is not None})
    problems = production_problems(settings)
    if problems:
        return _refused(problems)
    from .serve import run  # here, not at the top: the other commands never load gunicorn or Flask

    return run(settings)


def cmd_run(settings: Settings, args) -> int:
    if settings.production:
        return _refused(["'motcua run' là máy chủ phát triển; hãy dùng 'motcua serve' và 'motcua worker' "
                         "('motcua run' is the development server: use 'motcua serve' and 'motcua worker')."])
    from .app import QuietRequestHandler, create_app  # here: `motcua worker` and the others never load Flask

    app = create_app(settings)
    embedded = start_worker_thread(app.extensions["motcua"], settings.poll_interval, notifier(settings)) \
        if settings.embedded_worker else None
    _interrupt_on_sigterm()
    try:
        app.run(host=args.host, port=args.port, threaded=True, debug=False, use_reloader=False,
                request_handler=QuietRequestHandler)
    finally:
        if embedded is not None:
            thread, stop = embedded
            stop.set()
            thread.join(timeout=settings.poll_interval + 30)
    return 0


def cmd_worker(settings: Settings, args) -> int:
    problems = production_problems(settings, "worker")
    if problems:
        return _refused(problems)
    with database_for(settings) as engine:
        factory, notify = make_sessionmaker(engine), notifier(settings)
        if args.once:
            print(f"Đã kích hoạt {sweep_once(factory, notify)} hẹn giờ đến hạn.")
            return 0
        print(f"Đang xử lý hẹn giờ (quét mỗi {settings.poll_interval:g} giây); nhấn Ctrl+C để dừng.")
        _interrupt_on_sigterm()
        gc.freeze()  # start-up's objects stay out of the full collections of a long run (as in webapp/serve.py)
        try:
            run_worker(factory, settings.poll_interval, threading.Event(), notify)
        except KeyboardInterrupt:
            print("Đã dừng xử lý hẹn giờ.")
    return 0


def _interrupt_on_sigterm() -> None:
    """Stop on SIGTERM as on Ctrl+C, so the open unit of work rolls back and threads are joined."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, signal.default_int_handler)
