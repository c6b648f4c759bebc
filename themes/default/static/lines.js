// Trellis: a form's grid of child lines (a form block's `lines:`). No framework, no build step.
// - "Add a line" copies the row <template>, giving its inputs a new row key; ✕ removes a row (a saved
//   line is only marked for deletion: the save deletes it); ↑/↓ move a row (the save keeps the order);
// - as the user types, the form is posted to /app/<entity>/_lines, which answers the computed cells and
//   the parent's totals evaluated by the server (the same expressions the save uses), shown as text.
(function () {
  "use strict";
  if (window.TrellisLines) { return; }   // one copy, however many grids include it
  window.TrellisLines = true;
  var added = 0;
  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }
  function debounce(fn, ms) {
    var timer;
    return function () { clearTimeout(timer); timer = setTimeout(fn, ms); };
  }

  function grid(box) {
    var form = box.closest("form");
    var body = box.querySelector("tbody");
    var template = box.querySelector("template[data-new-row]");
    var empty = box.querySelector("[data-no-lines]");

    var refresh = debounce(function () {
      fetch(box.dataset.preview, {method: "POST", body: new FormData(form),
                                  headers: {"X-CSRFToken": csrf(), "Accept": "application/json"}})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (answer) {
          if (!answer) { return; }
          Object.keys(answer.rows).forEach(function (key) {
            var row = body.querySelector('tr[data-row="' + key + '"]');
            if (!row) { return; }
            Object.keys(answer.rows[key]).forEach(function (name) {
              var out = row.querySelector('[data-cell="' + name + '"]');
              if (out) { out.textContent = answer.rows[key][name]; }   // text, never HTML
            });
          });
          Object.keys(answer.fields).forEach(function (name) {
            var out = form.querySelector('[data-field="' + name + '"] output');
            if (out) { out.textContent = answer.fields[name]; }
          });
        });
    }, 250);

    function shown() {
      var any = Array.prototype.some.call(body.rows, function (row) { return !row.hidden; });
      if (empty) { empty.hidden = any; }
    }

    function add() {
      added += 1;
      var key = "new" + added;
      var row = template.content.firstElementChild.cloneNode(true);
      [row].concat(Array.prototype.slice.call(row.querySelectorAll("*"))).forEach(function (el) {
        ["name", "id", "list", "value", "data-row", "aria-describedby"].forEach(function (attr) {
          var value = el.getAttribute(attr);
          if (value && value.indexOf("__KEY__") >= 0) { el.setAttribute(attr, value.split("__KEY__").join(key)); }
        });
      });
      body.appendChild(row);
      row.querySelectorAll("input[data-autocomplete]").forEach(function (input) { window.Trellis.linkInput(input); });
      var first = row.querySelector("input:not([type=hidden]), select");
      if (first) { first.focus(); }
      shown();
      refresh();
    }

    box.addEventListener("click", function (e) {
      var button = e.target.closest("button");
      if (!button || !box.contains(button)) { return; }
      var row = button.closest("tr");
      if (button.hasAttribute("data-add-line")) {
        add();
      } else if (button.hasAttribute("data-remove-line")) {
        var saved = row.querySelector('input[name$="-id"]').value;
        if (saved) { row.querySelector("[data-delete]").value = "1"; row.hidden = true; } else { row.remove(); }
        shown();
        refresh();
      } else if (button.dataset.move) {
        var other = button.dataset.move === "-1" ? row.previousElementSibling : row.nextElementSibling;
        while (other && other.hidden) {
          other = button.dataset.move === "-1" ? other.previousElementSibling : other.nextElementSibling;
        }
        if (!other) { return; }
        if (button.dataset.move === "-1") { body.insertBefore(row, other); } else { body.insertBefore(other, row); }
        button.focus();
      }
    });
    box.addEventListener("input", refresh);
    box.addEventListener("change", refresh);
    if (box.querySelector(".has-error")) { refresh(); }   // a refused form: the totals of the rows as typed
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".lines-grid[data-lines]").forEach(grid);
  });
})();
