// Trellis kanban board (kanban.html): drag a card to another column, or move it from the card's
// menu (keyboard); fold and unfold columns. A move posts to /app/<entity>/<id>/move and the answer
// carries every column's count and sum, shown at once; a refusal puts the card back with the reason.
// A column whose transition needs fields (a lost reason...) opens its dialog instead, which posts itself.
(function () {
  "use strict";

  function board(root) {
    var error = document.getElementById("board-error");
    var status = document.getElementById("board-status");
    var dragged = null;

    function columnOf(value) {
      return Array.prototype.find.call(root.querySelectorAll(".column"), function (c) { return c.dataset.value === value; });
    }

    function showTotals(columns) {
      Object.keys(columns || {}).forEach(function (value) {
        var column = columnOf(value);
        if (!column) { return; }
        column.querySelector("[data-count]").textContent = columns[value].count;   // text, never HTML
        var sum = column.querySelector("[data-sum] bdi");
        if (sum) { sum.textContent = columns[value].sum; }
      });
    }

    function markCurrent(card, value) {
      card.querySelectorAll('.move-form button[name="to"]').forEach(function (b) { b.hidden = b.value === value; });
    }

    function move(card, column) {
      var home = card.parentNode, after = card.nextSibling;
      if (column.contains(home)) { return; }
      var form = card.querySelector(".move-form");
      var title = card.querySelector(".kcard-title").textContent;
      var ask = column.dataset.dialog && document.getElementById(column.dataset.dialog);
      if (ask) {   // the move needs fields: ask, then the dialog's own form posts the move
        window.Trellis.openDialog(ask, form.action, form.querySelector('[name="version"]').value, title);
        return;
      }
      column.querySelector(".cards").appendChild(card);
      var body = new FormData(form);
      body.set("to", column.dataset.value);
      fetch(form.action, {method: "POST", body: body, headers: {"Accept": "application/json", "X-CSRFToken": window.Trellis.csrf()}})
        .then(function (r) { return r.json().then(function (data) { return {ok: r.ok, data: data}; }); })
        .then(function (answer) {
          if (answer.ok) {
            error.hidden = true;
            form.querySelector('[name="version"]').value = answer.data.version;
            markCurrent(card, column.dataset.value);
            showTotals(answer.data.columns);
            status.textContent = title + " → " + column.querySelector(".fold-toggle").textContent;
          } else {
            home.insertBefore(card, after);                 // snap back
            error.textContent = answer.data.error.message;  // text, never HTML
            error.hidden = false;
          }
        })
        .catch(function () { home.insertBefore(card, after); });
    }

    root.addEventListener("dragstart", function (e) {
      dragged = e.target.closest ? e.target.closest(".kcard") : null;
      if (dragged) { e.dataTransfer.setData("text/plain", dragged.dataset.id); }
    });
    root.querySelectorAll(".column").forEach(function (column) {
      column.addEventListener("dragover", function (e) { e.preventDefault(); column.classList.add("drop"); });
      column.addEventListener("dragleave", function () { column.classList.remove("drop"); });
      column.addEventListener("drop", function (e) {
        e.preventDefault();
        column.classList.remove("drop");
        if (dragged) { move(dragged, column); }
        dragged = null;
      });
      var toggle = column.querySelector(".fold-toggle");
      toggle.addEventListener("click", function () {
        var open = toggle.getAttribute("aria-expanded") !== "true";
        toggle.setAttribute("aria-expanded", open ? "true" : "false");
        if (open) { column.removeAttribute("data-folded"); } else { column.setAttribute("data-folded", ""); }
      });
    });
    // the card menu: "Move to <column>" without a mouse
    root.addEventListener("submit", function (e) {
      var form = e.target.closest(".move-form");
      var to = e.submitter && e.submitter.value;
      var column = to && columnOf(to);
      if (!form || !column) { return; }   // no target: the plain form posts and the page reloads
      e.preventDefault();
      var card = form.closest(".kcard");
      card.querySelector(".card-menu").open = false;
      move(card, column);
      card.querySelector(".card-menu summary").focus();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".board").forEach(board);
  });
})();
