// Trellis: the little JavaScript the generated pages use. No framework, no build step.
// - link inputs: suggestions from /app/<entity>/autocomplete (never a list of every record);
// - conditional fields: POST the form to /app/<entity>/_eval, which evaluates `visible` and
//   `required_if` with the same compiled expressions the save uses, and show/hide fields;
// - tabs for `tab:` blocks; a confirmation before delete; the phone-width menu;
// - an import's progress: poll its JSON every second, reload the page when it has finished;
// - record pages: the key "e" opens the form, focus on the first invalid field, a warning before
//   leaving a form with unsaved changes, and <dialog>s asking for the fields a transition requires
//   (from the stage bar, a transition button or a kanban drop: board.js moves the cards).

// - the header's search box (Ctrl/Cmd-K): matches from /search/suggest grouped by entity, arrows
//   and Enter to open one; without a pick, Enter opens the /search page (which works without JS);
// - lists: the bulk bar shows only while a record is ticked, and a select-all box ticks the page.
(function () {
  "use strict";
  document.documentElement.classList.add("js");   // styles that only make sense with this script (folded columns)
  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }
  function debounce(fn, ms) {
    var timer;
    return function () { var args = arguments; clearTimeout(timer); timer = setTimeout(function () { fn.apply(null, args); }, ms); };
  }

  function linkInput(input) {
    var hidden = input.previousElementSibling;
    var list = document.getElementById(input.getAttribute("list"));
    var found = {};
    var lookup = debounce(function () {
      var q = input.value.trim();
      if (!q) { return; }
      fetch(input.dataset.autocomplete + "?q=" + encodeURIComponent(q), {headers: {"Accept": "application/json"}})
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (rows) {
          list.textContent = "";
          found = {};
          rows.forEach(function (row) {
            var option = document.createElement("option");
            option.value = row.name;            // textContent/value: never parsed as HTML
            list.appendChild(option);
            found[row.name] = row.id;
          });
          pick();
        });
    }, 200);
    function pick() {
      if (found[input.value] !== undefined) { hidden.value = found[input.value]; }
      else if (!input.value.trim()) { hidden.value = ""; }
    }
    input.addEventListener("input", function () { pick(); lookup(); });
    input.addEventListener("change", function () {
      pick();
      if (input.value.trim() && found[input.value] === undefined) { hidden.value = ""; }
      hidden.dispatchEvent(new Event("change", {bubbles: true}));
    });
  }

  function conditions(form) {
    var url = form.dataset.eval;
    var refresh = debounce(function () {
      var body = new FormData(form);
      fetch(url, {method: "POST", body: body, headers: {"X-CSRFToken": csrf(), "Accept": "application/json"}})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (states) {
          if (!states) { return; }
          Object.keys(states.visible).forEach(function (name) {
            var box = form.querySelector('[data-field="' + name + '"]');
            if (box) { box.hidden = !states.visible[name]; }
          });
          Object.keys(states.required).forEach(function (name) {
            var box = form.querySelector('[data-field="' + name + '"]');
            var mark = box && box.querySelector(".req");
            if (mark) { mark.hidden = !states.required[name]; }
          });
        });
    }, 250);
    form.addEventListener("change", refresh);
  }

  function tabs(form) {
    var panels = Array.prototype.slice.call(form.querySelectorAll("fieldset[data-tab]"));
    if (panels.length < 1) { return; }
    var bar = document.createElement("div");
    bar.className = "tabs";
    bar.setAttribute("role", "tablist");
    panels[0].parentNode.insertBefore(bar, panels[0]);
    panels.forEach(function (panel, i) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = panel.dataset.tab;
      button.setAttribute("role", "tab");
      button.addEventListener("click", function () { show(i); });
      bar.appendChild(button);
    });
    function show(index) {
      panels.forEach(function (panel, i) {
        // a tab holding an error stays reachable: the error opens it
        panel.hidden = i !== index;
        bar.children[i].setAttribute("aria-selected", i === index ? "true" : "false");
      });
    }
    var withError = panels.findIndex(function (p) { return p.querySelector(".has-error"); });
    show(withError >= 0 ? withError : 0);
  }

  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(target.tagName));
  }

  function editKey(link) {
    document.addEventListener("keydown", function (e) {
      if (e.key !== "e" || e.ctrlKey || e.metaKey || e.altKey || typing(e.target) || document.querySelector("dialog[open]")) { return; }
      e.preventDefault();
      window.location.href = link.href;
    });
  }

  function unsavedWarning(form) {
    var dirty = false;
    form.addEventListener("input", function () { dirty = true; });
    form.addEventListener("change", function () { dirty = true; });
    form.addEventListener("submit", function () { dirty = false; });
    document.querySelectorAll("[data-cancel]").forEach(function (link) {
      link.addEventListener("click", function (e) {
        if (dirty && !window.confirm(form.dataset.unsaved)) { e.preventDefault(); } else { dirty = false; }
      });
    });
    window.addEventListener("beforeunload", function (e) {
      if (dirty) { e.preventDefault(); e.returnValue = form.dataset.unsaved; }
    });
  }

  function focusFirstError(form) {
    var invalid = form.querySelector('[aria-invalid="true"]');
    if (invalid) { invalid.focus(); }
  }

  function openDialog(dialog, action, version, subject) {
    var form = dialog.querySelector("form");
    var about = dialog.querySelector("[data-dialog-subject]");
    if (about && subject) { about.textContent = subject; about.hidden = false; }   // text, never HTML
    if (action) { form.action = action; }
    if (version !== undefined) { form.querySelector('[name="version"]').value = version; }
    dialog.showModal();
    var first = form.querySelector("select, input:not([type=hidden]), textarea");
    if (first) { first.focus(); }
  }

  function dialogs() {
    document.querySelectorAll("button[data-dialog]").forEach(function (button) {
      var dialog = document.getElementById(button.dataset.dialog);
      if (!dialog) { return; }   // no dialog: the plain form posts and the page says what is missing
      button.addEventListener("click", function (e) { e.preventDefault(); openDialog(dialog); });
    });
    document.querySelectorAll("dialog [data-close-dialog]").forEach(function (button) {
      button.addEventListener("click", function () { button.closest("dialog").close(); });
    });
  }

  function importProgress(box) {
    var bar = box.querySelector("progress"), text = box.querySelector("[data-progress-text]");
    function poll() {
      fetch(box.dataset.progress, {headers: {"Accept": "application/json"}})
        .then(function (r) { return r.json(); })
        .then(function (job) {
          if (job.status === "done" || job.status === "failed") { window.location.reload(); return; }
          if (job.total) { bar.max = job.total; bar.value = job.done || 0; text.textContent = (job.done || 0) + " / " + job.total; }
          setTimeout(poll, 1000);
        })
        .catch(function () { setTimeout(poll, 5000); });
    }
    poll();
  }

  // for lines.js (the link cells of a row added to a grid) and board.js (a kanban drop that asks for fields)
  window.Trellis = {linkInput: linkInput, openDialog: openDialog, csrf: csrf};

  function globalSearch(form) {
    var input = form.querySelector("input[type=search]");
    var box = form.querySelector(".global-results");
    var asked = "";
    function links() { return Array.prototype.slice.call(box.querySelectorAll("a")); }
    function close() { box.hidden = true; input.setAttribute("aria-expanded", "false"); }
    function group(title, items) {
      var section = document.createElement("section");
      var heading = document.createElement("h2");
      heading.textContent = title;
      section.appendChild(heading);
      var list = document.createElement("ul");
      items.forEach(function (item) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = item.url;
        a.textContent = item.title;       // text, never HTML
        a.setAttribute("dir", "auto");
        li.appendChild(a);
        list.appendChild(li);
      });
      section.appendChild(list);
      box.appendChild(section);
    }
    function show(answer) {
      if (answer.q !== input.value.trim()) { return; }   // a slower answer to an older question
      box.textContent = "";
      answer.groups.forEach(function (g) { group(g.label, g.results); });
      if (answer.recent.length) { group(input.dataset.recentLabel, answer.recent); }
      if (!box.children.length) {
        var none = document.createElement("p");
        none.className = "muted";
        none.textContent = input.dataset.noneLabel;
        box.appendChild(none);
      }
      box.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }
    var lookup = debounce(function () {
      var q = input.value.trim();
      asked = q;
      fetch(form.dataset.suggest + "?q=" + encodeURIComponent(q), {headers: {"Accept": "application/json"}})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (answer) { if (answer && asked === q) { show(answer); } });
    }, 150);
    input.addEventListener("input", lookup);
    input.addEventListener("focus", lookup);
    form.addEventListener("keydown", function (e) {
      var all = links(), at = all.indexOf(document.activeElement);
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        if (!all.length) { return; }
        e.preventDefault();
        var step = e.key === "ArrowDown" ? 1 : -1;
        if (at < 0) { all[step > 0 ? 0 : all.length - 1].focus(); }
        else if (at + step < 0) { input.focus(); }
        else { all[Math.min(at + step, all.length - 1)].focus(); }
      } else if (e.key === "Escape") {
        close();
        input.focus();
      }
    });
    document.addEventListener("click", function (e) { if (!form.contains(e.target)) { close(); } });
    document.addEventListener("keydown", function (e) {
      if ((e.ctrlKey || e.metaKey) && (e.key === "k" || e.key === "K")) {
        e.preventDefault();
        input.focus();
        input.select();
      }
    });
  }

  function bulkBar(form) {
    var boxes = Array.prototype.slice.call(document.querySelectorAll('input[name="ids"][form="' + form.id + '"]'));
    var all = document.querySelector("[data-select-all]");
    function update() {
      var ticked = boxes.filter(function (b) { return b.checked; }).length;
      form.hidden = ticked === 0;
      if (all) {
        all.checked = ticked > 0 && ticked === boxes.length;
        all.indeterminate = ticked > 0 && ticked < boxes.length;
      }
    }
    boxes.forEach(function (b) { b.addEventListener("change", update); });
    // "Set a field" on a link: suggest the linked records' titles (the server finds the one named)
    var field = form.querySelector("#bulk-field"), value = form.querySelector("#bulk-value");
    var names = document.getElementById("bulk-value-list");
    if (field && value && names) {
      value.addEventListener("input", debounce(function () {
        var url = field.selectedOptions[0] && field.selectedOptions[0].dataset.autocomplete;
        names.textContent = "";
        if (!url || !value.value.trim()) { return; }
        fetch(url + "?q=" + encodeURIComponent(value.value.trim()), {headers: {"Accept": "application/json"}})
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (rows) {
            rows.forEach(function (row) {
              var option = document.createElement("option");
              option.value = row.name;     // value: never parsed as HTML
              names.appendChild(option);
            });
          });
      }, 200));
    }
    if (all && boxes.length) {
      all.hidden = false;
      all.addEventListener("change", function () {
        boxes.forEach(function (b) { b.checked = all.checked; });
        update();
      });
    }
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form.global-search").forEach(globalSearch);
    document.querySelectorAll("form[data-bulk]").forEach(bulkBar);
    document.querySelectorAll("[data-progress]").forEach(importProgress);
    document.querySelectorAll("input[data-autocomplete]").forEach(linkInput);
    document.querySelectorAll("form[data-eval]").forEach(function (form) {
      conditions(form); tabs(form); unsavedWarning(form); focusFirstError(form);
    });
    document.querySelectorAll("a[data-edit-key]").forEach(editKey);
    dialogs();
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (e) { if (!window.confirm(form.dataset.confirm)) { e.preventDefault(); } });
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (button) {
      button.addEventListener("click", function () { window.print(); });   // the quote page's Print button
    });
    var toggle = document.querySelector(".menu-toggle");
    if (toggle) { toggle.addEventListener("toggle", function () { document.body.classList.toggle("menu-open", toggle.open); }); }
  });
})();
