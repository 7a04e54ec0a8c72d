// Narrows the procedure list while the officer types; without JavaScript the search form does it on submit.
document.addEventListener("DOMContentLoaded", function () {
  function fold(text) {
    return text.replace(/đ/g, "d").replace(/Đ/g, "D").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  document.querySelectorAll("[data-filter-list]").forEach(function (input) {
    var table = document.getElementById(input.getAttribute("data-filter-list"));
    if (!table) { return; }
    input.addEventListener("input", function () {
      var words = fold(input.value).split(/\s+/).filter(Boolean);
      table.querySelectorAll("tbody tr[data-search]").forEach(function (row) {
        var text = fold(row.getAttribute("data-search"));
        row.hidden = !words.every(function (word) { return text.indexOf(word) !== -1; });
      });
    });
  });
});
