"""The national dossier status codes (1–10) and how officials and citizens read them."""
from __future__ import annotations

STATUS_LABELS = {
    1: "Mới đăng ký",
    2: "Được tiếp nhận",
    3: "Không được tiếp nhận",
    4: "Đang xử lý",
    5: "Yêu cầu bổ sung giấy tờ",
    6: "Yêu cầu thực hiện nghĩa vụ tài chính",
    7: "Công dân yêu cầu rút hồ sơ",
    8: "Dừng xử lý",
    9: "Đã xử lý xong",
    10: "Đã trả kết quả",
}
VERDICT_LABELS = {"early": "Trước hạn", "on_time": "Đúng hạn", "late": "Quá hạn"}
RETURN_METHODS = {"desk": "Tại Bộ phận Một cửa", "postal": "Qua dịch vụ bưu chính công ích"}


def status_label(code: int | None) -> str:
    return STATUS_LABELS.get(code, "—") if code is not None else "—"
