// bpmn-js and its properties panel in Vietnamese (the palette, context pad, replace menu and standard groups);
// used only when the page is in Vietnamese, the libraries' English stays for English readers.
import translate from "diagram-js/lib/i18n/translate/translate";

const VI = {
  "Activate hand tool": "Công cụ kéo sơ đồ", "Activate lasso tool": "Chọn nhiều phần tử",
  "Activate create/remove space tool": "Thêm hoặc bớt khoảng trống", "Activate global connect tool": "Nối hai phần tử",
  "Create start event": "Thêm sự kiện bắt đầu", "Create end event": "Thêm sự kiện kết thúc",
  "Create intermediate/boundary event": "Thêm sự kiện trung gian hoặc biên", "Create task": "Thêm công việc",
  "Create gateway": "Thêm cổng rẽ nhánh", "Create expanded sub-process": "Thêm quy trình con",
  "Create pool/participant": "Thêm bể (pool)", "Create data object reference": "Thêm đối tượng dữ liệu",
  "Create data store reference": "Thêm kho dữ liệu", "Create group": "Thêm nhóm",
  "Append task": "Nối thêm công việc", "Append end event": "Nối thêm sự kiện kết thúc",
  "Append gateway": "Nối thêm cổng rẽ nhánh", "Append intermediate/boundary event": "Nối thêm sự kiện trung gian",
  "Append timer intermediate catch event": "Nối thêm hẹn giờ", "Append receive task": "Nối thêm công việc nhận",
  "Append message intermediate catch event": "Nối thêm sự kiện chờ thông điệp",
  "Append signal intermediate catch event": "Nối thêm sự kiện chờ tín hiệu",
  "Append conditional intermediate catch event": "Nối thêm sự kiện chờ điều kiện",
  "Append compensation activity": "Nối thêm hoạt động bù trừ",
  "Add text annotation": "Thêm ghi chú", "Add lane above": "Thêm làn phía trên", "Add lane below": "Thêm làn phía dưới",
  "Divide into two lanes": "Chia thành hai làn", "Divide into three lanes": "Chia thành ba làn",
  "Change element": "Đổi loại phần tử", "Connect using sequence/message flow or association": "Nối bằng luồng",
  "Connect to other element": "Nối tới phần tử khác", "Connect using association": "Nối bằng liên kết",
  "Connect using data input association": "Nối dữ liệu vào", "Delete": "Xóa", "Search in diagram": "Tìm trong sơ đồ",
  "Toggle non-interrupting": "Bật/tắt không ngắt", "Loop": "Lặp", "Collection": "Tập hợp",
  "Parallel multi-instance": "Nhiều thực thể song song", "Sequential multi-instance": "Nhiều thực thể tuần tự",
  Task: "Công việc", "User task": "Công việc của cán bộ (user task)", "Manual task": "Công việc thủ công",
  "Service task": "Công việc dịch vụ", "Script task": "Công việc chạy mã lệnh", "Send task": "Công việc gửi",
  "Receive task": "Công việc nhận", "Business rule task": "Công việc quy tắc nghiệp vụ",
  "Call activity": "Gọi quy trình dùng chung", "Sub-process": "Quy trình con",
  "Sub-process (collapsed)": "Quy trình con (thu gọn)", "Sub-process (expanded)": "Quy trình con (mở rộng)",
  "Exclusive gateway": "Cổng rẽ một nhánh", "Parallel gateway": "Cổng song song",
  "Inclusive gateway": "Cổng rẽ nhiều nhánh", "Event-based gateway": "Cổng theo sự kiện",
  "Complex gateway": "Cổng phức hợp", "Start event": "Sự kiện bắt đầu", "End event": "Sự kiện kết thúc",
  "Timer start event": "Bắt đầu theo hẹn giờ", "Message start event": "Bắt đầu khi nhận thông điệp",
  "Intermediate throw event": "Sự kiện trung gian", "Timer intermediate catch event": "Hẹn giờ chờ",
  "Message intermediate catch event": "Chờ thông điệp", "Message intermediate throw event": "Gửi thông điệp",
  "Message end event": "Kết thúc gửi thông điệp", "Terminate end event": "Kết thúc toàn bộ",
  "Timer boundary event": "Hẹn giờ trên biên", "Timer boundary event (non-interrupting)": "Hẹn giờ trên biên (không ngắt)",
  "Message boundary event": "Thông điệp trên biên", "Sequence flow": "Luồng tuần tự",
  "Default flow": "Nhánh mặc định", "Conditional flow": "Nhánh có điều kiện",
  General: "Chung", Name: "Tên", ID: "Mã phần tử (ID)", Documentation: "Mô tả",
  "Element documentation": "Mô tả phần tử", "Process documentation": "Mô tả quy trình", "Process name": "Tên quy trình",
  "Process ID": "Mã quy trình (process_id)", Executable: "Chạy được (executable)", "Participant Name": "Tên bể",
  Timer: "Hẹn giờ", Type: "Loại", Value: "Biểu thức", Date: "Thời điểm", Duration: "Khoảng thời gian",
  Cycle: "Chu kỳ", "<none>": "<không>", Message: "Thông điệp", "Global message reference": "Thông điệp",
  "Create new ...": "Tạo mới…", Signal: "Tín hiệu", Error: "Lỗi", Escalation: "Chuyển cấp", Link: "Liên kết",
  "Multi-instance": "Nhiều thực thể", Compensation: "Bù trừ",
  "ID must not be empty.": "Mã phần tử không được để trống.", "ID must be unique.": "Mã phần tử đã được dùng.",
  "ID must not contain spaces.": "Mã phần tử không được có dấu cách.",
  "ID must be a valid QName.": "Mã phần tử chỉ gồm chữ không dấu, số, '_' và bắt đầu bằng chữ.",
  "ID must not contain prefix.": "Mã phần tử không được có tiền tố.",
  "Select an element to edit its properties.": "Chọn một phần tử trên sơ đồ để sửa thuộc tính.",
  "Multiple elements are selected. Select a single element to edit its properties.":
    "Đang chọn nhiều phần tử; chọn một phần tử để sửa thuộc tính.",
  "A specific point in time defined as ISO 8601 combined date and time representation.":
    "Một thời điểm ISO 8601 có múi giờ, ví dụ working_days_before_due(1).",
  "A time duration defined as ISO 8601 durations format.": "Khoảng thời gian ISO 8601, ví dụ \"PT4H\" hoặc \"P2D\".",
  "A cycle defined as ISO 8601 repeating intervals format.": "Chu kỳ ISO 8601, ví dụ \"R3/PT1H\".",
};

function vietnamese(template, replacements) {
  return translate(VI[template] || template, replacements);
}

export default { translate: ["value", vietnamese] };
