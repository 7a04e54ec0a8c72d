"""What the studio's editor script says (status lines, the properties panel's motcua fields), in the reader's
language: the script receives these texts with the draft instead of carrying its own."""
from __future__ import annotations

from flask_babel import gettext as _

from .i18n import N_

# The dossier actions a BPMN node may ask for (engine.onestop.actions), as a designer reads them.
ACTION_LABELS = {
    "extend_due": N_("Gia hạn giải quyết (thư xin lỗi, Mẫu 04)"),
    "request_supplement": N_("Yêu cầu bổ sung hồ sơ"),
    "supplement_received": N_("Đã nhận hồ sơ bổ sung"),
    "pause_clock": N_("Tạm dừng tính thời hạn"),
    "resume_clock": N_("Tính tiếp thời hạn"),
    "notify": N_("Gửi thông báo cho người nộp"),
    "assess_fee": N_("Xác định phí, lệ phí phải thu (đầu bước thu phí)"),
    "record_fee": N_("Ghi nhận thu phí, lệ phí (cuối bước thu phí)"),
}
# What timer expressions, conditions and scripts may call (engine.workflow.helpers): how to call it, what it gives.
HELPER_LABELS = {
    "now": ("now()", N_("thời điểm hiện tại")),
    "dossier_due": ("dossier_due()", N_("hạn giải quyết của hồ sơ")),
    "working_days_before_due": ("working_days_before_due(n)",
                                N_("đầu giờ làm việc của ngày làm việc thứ n trước hạn")),
    "add_working_days": ("add_working_days(moc, n)", N_("thời điểm mốc cộng n ngày làm việc")),
    "add_working_hours": ("add_working_hours(moc, gio)", N_("thời điểm mốc cộng số giờ làm việc")),
    "dossier_code": ("dossier_code()", N_("mã hồ sơ")),
    "dossier_status": ("dossier_status()", N_("mã trạng thái hiện tại của hồ sơ")),
}
TEXTS = {
    "saved": N_("Đã lưu lúc {time}."),
    "savedWithErrors": N_("Đã lưu lúc {time}; bản nháp còn {errors} lỗi."),
    "unsaved": N_("Có thay đổi chưa lưu."),
    "saving": N_("Đang lưu…"),
    "checking": N_("Đang kiểm tra…"),
    "submitting": N_("Đang gửi phê duyệt…"),
    "checkedOk": N_("Đã kiểm tra: không có lỗi nào chặn việc gửi phê duyệt."),
    "checkedFindings": N_("Đã kiểm tra: {errors} lỗi, {warnings} cảnh báo."),
    "submitBlocked": N_("Chưa gửi được: bản nháp còn lỗi (xem danh sách lỗi)."),
    "tooBig": N_("Tệp {name} lớn hơn giới hạn {max} byte; chưa lưu."),
    "forbidden": N_("Bạn không có quyền thực hiện thao tác này."),
    "expired": N_("Phiên làm việc đã hết hạn hoặc yêu cầu không hợp lệ; hãy tải lại trang (thay đổi chưa lưu sẽ "
                  "mất)."),
    "tooLarge": N_("Nội dung gửi lên quá lớn; chưa lưu."),
    "offline": N_("Không kết nối được máy chủ; thay đổi chưa được lưu. Hãy thử lại."),
    "diagramFailed": N_("Không mở được sơ đồ của tệp {name}: {error}"),
    "noFindings": N_("Không có lỗi hay cảnh báo."),
    "error": N_("Lỗi"),
    "warning": N_("Cảnh báo"),
    "line": N_("dòng {line}"),
    "importConfirm": N_("Nhập tệp .zip sẽ thay toàn bộ nội dung bản nháp bằng nội dung của tệp. Tiếp tục?"),
    "removeFormConfirm": N_("Xóa biểu mẫu {name} khỏi bản nháp?"),
    "formName": N_("Tên tệp chỉ gồm chữ không dấu, số, '_' hoặc '-', ví dụ tham_dinh."),
    "formExists": N_("Đã có biểu mẫu {name}."),
    "previewValid": N_("Dữ liệu thử hợp lệ theo biểu mẫu."),
    "previewInvalid": N_("Có trường chưa hợp lệ; thông báo hiện bên cạnh trường như cán bộ sẽ thấy."),
    "previewEmpty": N_("Biểu mẫu chưa có trường nào."),
    "groupStep": N_("Bước xử lý (motcua)"),
    "groupNode": N_("Hồ sơ tại phần tử này (motcua)"),
    "groupLane": N_("Vai trò của làn"),
    "groupScript": N_("Mã lệnh"),
    "groupCondition": N_("Điều kiện rẽ nhánh"),
    "groupHelpers": N_("Hàm dùng được trong biểu thức"),
    "laneRole": N_("Vai trò xử lý (tên làn)"),
    "laneRoleHelp": N_("Người giữ vai trò này tại đơn vị xử lý nhận các công việc trong làn."),
    "unknownRole": N_("{key} (chưa có trong danh mục vai trò)"),
    "chooseRole": N_("— Chọn vai trò —"),
    "stepBudget": N_("Thời hạn của bước"),
    "stepBudgetHelp": N_("Thời gian làm việc: 4h (giờ), 0.5d hoặc 2d (ngày làm việc)."),
    "stepBudgetInvalid": N_("Viết số giờ hoặc số ngày làm việc, ví dụ 4h hoặc 2d."),
    "dossierStatus": N_("Trạng thái hồ sơ"),
    "keepStatus": N_("— Không đổi —"),
    "dossierAction": N_("Thao tác trên hồ sơ"),
    "noAction": N_("— Không có —"),
    "unit": N_("Đơn vị xử lý"),
    "unitByLane": N_("Theo làn (procedure.toml)"),
    "unitReceiving": N_("Đơn vị tiếp nhận hồ sơ"),
    "unitDeciding": N_("Đơn vị giải quyết"),
    "form": N_("Biểu mẫu (JSON Schema)"),
    "uiForm": N_("Giao diện biểu mẫu (UI schema)"),
    "noForm": N_("— Không có —"),
    "missingForm": N_("{name} (không có trong bản nháp)"),
    "script": N_("Mã lệnh Python (chạy trong hộp cát)"),
    "scriptHelp": N_("Biến tạo ra trở thành dữ liệu của hồ sơ; không import, không truy cập thuộc tính bắt đầu "
                     "bằng _."),
    "condition": N_("Điều kiện (biểu thức Python)"),
    "conditionHelp": N_("Ví dụ: hop_le == True. Để trống ở nhánh mặc định của cổng."),
    "timerHelp": N_("Hẹn giờ là biểu thức Python cho ra thời điểm ISO có múi giờ (+07:00) hoặc khoảng thời gian "
                    "ISO 8601 trong ngoặc kép, ví dụ \"P2D\" hoặc working_days_before_due(1)."),
}


def editor_texts() -> dict:
    texts = {key: _(text) for key, text in TEXTS.items()}
    texts["helpers"] = {key: [call, _(text)] for key, (call, text) in HELPER_LABELS.items()}
    return texts
