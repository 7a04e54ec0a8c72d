"""`motcua versions`, `approve`, `reject`, `activate`: a procedure's versions from the command line."""
from __future__ import annotations

import argparse
from datetime import date, datetime

from engine import (
    VERSION_STATE_LABELS,
    Forbidden,
    activate_version,
    approve_version,
    clock,
    get_procedure,
    list_versions,
    record_refusal,
    reject_version,
    user_by_username,
)

from .cli_db import session_for


def add_commands(commands) -> None:
    """Register the version commands on the `motcua` parser."""
    versions = commands.add_parser("versions", help="liệt kê các phiên bản quy trình của một thủ tục",
                                   description="Liệt kê các phiên bản quy trình nội bộ của thủ tục, mới nhất trước.")
    versions.add_argument("code", metavar="MÃ_THỦ_TỤC", help="mã TTHC hoặc tên thư mục trong bpmn/")
    versions.set_defaults(handler=cmd_versions)
    approve = commands.add_parser("approve", help="phê duyệt một phiên bản đang chờ",
                                  description="Phê duyệt phiên bản quy trình nội bộ theo quyết định đã ký; người "
                                  "phê duyệt là quản trị viên cấp của thủ tục và không phải người soạn.")
    _version_arguments(approve)
    approve.add_argument("--decision", required=True, metavar="SỐ", help="số quyết định phê duyệt, ví dụ 123/QĐ-UBND")
    approve.add_argument("--decision-date", type=_day, default=None, metavar="NGÀY",
                         help="ngày ký quyết định, YYYY-MM-DD (mặc định: hôm nay)")
    approve.add_argument("--signer", required=True, metavar="NGƯỜI_KÝ", help="người ký quyết định")
    when = approve.add_mutually_exclusive_group()
    when.add_argument("--activate", action="store_true", help="áp dụng ngay sau khi phê duyệt")
    when.add_argument("--activate-at", type=_instant, metavar="THỜI_ĐIỂM",
                      help="áp dụng vào thời điểm có hiệu lực, ví dụ 2027-01-01T00:00:00+07:00")
    approve.set_defaults(handler=cmd_approve)
    reject = commands.add_parser("reject", help="từ chối một phiên bản đang chờ",
                                 description="Trả phiên bản về người thiết kế kèm lý do.")
    _version_arguments(reject)
    reject.add_argument("--note", required=True, metavar="LÝ_DO", help="lý do từ chối")
    reject.set_defaults(handler=cmd_reject)
    activate = commands.add_parser("activate", help="áp dụng ngay một phiên bản đã phê duyệt",
                                   description="Áp dụng phiên bản đã phê duyệt; phiên bản đang áp dụng ngừng áp dụng. "
                                   "Hồ sơ đang xử lý giữ phiên bản đã bắt đầu.")
    _version_arguments(activate)
    activate.set_defaults(handler=cmd_activate)


def cmd_versions(settings, args) -> int:
    with session_for(settings) as session:
        procedure = get_procedure(session, args.code)
        print(f"{procedure.code} — {procedure.name}")
        for version in list_versions(session, args.code):
            decision = f", QĐ {version.decision_number} ngày {version.decision_date:%d/%m/%Y}" \
                if version.decision_number and version.decision_date else ""
            scheduled = f", áp dụng từ {version.activate_at.astimezone(clock.VN_TZ):%d/%m/%Y %H:%M}" \
                if version.activate_at else ""
            print(f"  {version.number}: {VERSION_STATE_LABELS[version.status]}{decision}{scheduled}")
    return 0


def cmd_approve(settings, args) -> int:
    now = clock.now()

    def act(session, actor_id):
        version = approve_version(session, args.code, args.number, actor_id, now, decision_number=args.decision,
                                  decision_date=args.decision_date or now.astimezone(clock.VN_TZ).date(),
                                  signer=args.signer, activate_at=args.activate_at)
        if args.activate:
            activate_version(session, args.code, args.number, actor_id, now)
        return version

    version = _as_user(settings, args, "approve", act)
    print(f"Đã phê duyệt phiên bản {version.number} ({VERSION_STATE_LABELS[version.status]}).")
    return 0


def cmd_reject(settings, args) -> int:
    now = clock.now()
    version = _as_user(settings, args, "reject",
                       lambda session, actor_id: reject_version(session, args.code, args.number, actor_id, now,
                                                                args.note))
    print(f"Đã từ chối phiên bản {version.number}.")
    return 0


def cmd_activate(settings, args) -> int:
    now = clock.now()
    version = _as_user(settings, args, "activate",
                       lambda session, actor_id: activate_version(session, args.code, args.number, actor_id, now))
    print(f"Phiên bản {version.number} đang được áp dụng.")
    return 0


def _as_user(settings, args, what: str, act):
    """Run `act` as the user named by --by; a refusal is kept in the audit trail in a transaction of its own."""
    try:
        with session_for(settings) as session:
            actor_id = user_by_username(session, args.by).id
            return act(session, actor_id)
    except Forbidden as exc:
        with session_for(settings) as session:
            record_refusal(session, at=clock.now(), actor_id=user_by_username(session, args.by).id,
                           what=f"motcua {what} {args.code} {args.number}", reason=exc.message)
        raise


def _version_arguments(parser) -> None:
    parser.add_argument("code", metavar="MÃ_THỦ_TỤC", help="mã TTHC hoặc tên thư mục trong bpmn/")
    parser.add_argument("number", type=int, metavar="SỐ_PHIÊN_BẢN", help="số thứ tự phiên bản")
    parser.add_argument("--by", required=True, metavar="TÊN_ĐĂNG_NHẬP", help="người thực hiện (tên đăng nhập)")


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' không phải ngày dạng YYYY-MM-DD") from None


def _instant(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' không phải thời điểm ISO, ví dụ 2027-01-01T00:00:00+07:00") \
            from None
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError("thời điểm phải có múi giờ, ví dụ +07:00")
    return value
