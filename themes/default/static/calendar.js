// Trellis calendar (calendar.html): drag a record to another day to reschedule it (POST
// /app/<entity>/<id>/reschedule with the day, the field and the version the page was drawn with);
// a refusal (not allowed, changed meanwhile, invalid) puts it back and says why. A click on a day's
// empty space opens a new record on that day (the day's "+" link, which works without this script).
(function () {
  "use strict";

  function calendar(table) {
    var form = document.getElementById("reschedule-form");
    var error = document.getElementById("calendar-error");
    var dragged = null;

    table.addEventListener("dragstart", function (e) {
      dragged = e.target.closest ? e.target.closest(".event") : null;
      if (dragged) { e.dataTransfer.setData("text/plain", dragged.dataset.id); }
    });
    table.querySelectorAll("td[data-date]").forEach(function (day) {
      day.addEventListener("dragover", function (e) { e.preventDefault(); day.classList.add("drop"); });
      day.addEventListener("dragleave", function () { day.classList.remove("drop"); });
      day.addEventListener("drop", function (e) {
        e.preventDefault();
        day.classList.remove("drop");
        var item = dragged;
        dragged = null;
        if (!item || day.contains(item)) { return; }
        var home = item.parentNode, after = item.nextSibling;
        day.querySelector("ul").appendChild(item);
        var body = new FormData(form);
        body.set("date", day.dataset.date);
        body.set("version", item.dataset.version);
        var action = form.action.replace(/\/0\/reschedule$/, "/" + item.dataset.id + "/reschedule");
        fetch(action, {method: "POST", body: body, headers: {"Accept": "application/json", "X-CSRFToken": window.Trellis.csrf()}})
          .then(function (r) { return r.json().then(function (data) { return {ok: r.ok, data: data}; }); })
          .then(function (answer) {
            if (answer.ok) {
              error.hidden = true;
              item.dataset.version = answer.data.version;
            } else {
              home.insertBefore(item, after);                   // snap back
              error.textContent = answer.data.error.message;    // text, never HTML
              error.hidden = false;
            }
          })
          .catch(function () { home.insertBefore(item, after); });
      });
      day.addEventListener("click", function (e) {
        if (e.target === day || e.target.tagName === "UL" || e.target.classList.contains("day-head")) {
          window.location.href = day.querySelector(".day-new").href;
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("table[data-calendar]").forEach(calendar);
  });
})();
