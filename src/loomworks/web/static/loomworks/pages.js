/* Loomworks: small page behaviours, no framework (htmx does the swapping).
 *
 * - Keyboard focus stays on the checklist item (or task) after htmx swaps it.
 * - A page that comes back with errors puts focus on the first field in error,
 *   so the person does not land several screens above the message.
 * - File uploads show how far they have got.
 *
 * Served from 'self' under the Content-Security-Policy: no inline script, no eval.
 */
(function () {
  "use strict";

  var FOCUSABLE = "button:not([disabled]), input:not([type=hidden]):not([disabled]), select, textarea, a[href], [tabindex]";

  // ------------------------------------------------------------ focus after an htmx swap

  var remembered = null;

  document.addEventListener("htmx:beforeRequest", function () {
    var active = document.activeElement;
    if (!active || active === document.body) { remembered = null; return; }
    var holder = active.closest("[data-task-id]");
    remembered = holder ? { key: holder.getAttribute("data-task-id"), id: active.id || "" } : null;
  });

  // Put focus back as soon as the new content is in the page (afterSwap), so a
  // keyboard or screen-reader user is never left on the body during the settle
  // delay; afterSettle is the fallback for swaps that settle in several steps.
  // A swap of several parts (out-of-band progress first, the item after) may not
  // have brought the item yet: then the next event tries again.
  function restoreFocus() {
    if (!remembered) { return; }
    var wanted = remembered;
    if (document.activeElement && document.activeElement !== document.body) { return; }
    var target = wanted.id ? document.getElementById(wanted.id) : null;
    if (!target) {
      var holder = document.querySelector('[data-task-id="' + wanted.key + '"]');
      if (!holder) { return; }
      target = holder.querySelector(FOCUSABLE);
      if (!target) {
        holder.setAttribute("tabindex", "-1");
        target = holder;
      }
    }
    remembered = null;
    target.focus();
  }

  document.addEventListener("htmx:afterSwap", restoreFocus);
  document.addEventListener("htmx:afterSettle", function () {
    restoreFocus();
    remembered = null;
  });

  // ------------------------------------------------------------ focus on the first error

  function firstError(root) {
    var field = root.querySelector('[aria-invalid="true"]');
    if (field) { return field; }
    var alert = root.querySelector(".form-error[role=alert], .field--invalid, .banner--error");
    if (!alert) { return null; }
    var inside = alert.matches(".field--invalid") ? alert.querySelector(FOCUSABLE) : null;
    if (inside) { return inside; }
    alert.setAttribute("tabindex", "-1");
    return alert;
  }

  function focusFirstError(root) {
    if (document.activeElement && document.activeElement !== document.body &&
        root === document) { return; }
    var target = firstError(root);
    if (target) {
      target.focus({ preventScroll: true });
      target.scrollIntoView({ block: "center" });
    }
  }

  document.addEventListener("DOMContentLoaded", function () { focusFirstError(document); });
  document.addEventListener("htmx:afterSwap", function (event) {
    var swapped = event.detail && event.detail.target;
    if (swapped && swapped.querySelector && swapped.querySelector('[aria-invalid="true"], .form-error[role=alert]')) {
      focusFirstError(swapped);
    }
  });

  // ------------------------------------------------------------ upload progress

  function showPage(xhr, form) {
    // The answer is a whole page: the run page after the redirect (with its
    // message), or the same form with the errors beside the fields. Put it in
    // place of this one; this window's scripts stay and take the new body on.
    var landed = xhr.responseURL || window.location.href.split("#")[0];
    var section = form.closest("section[id], [id].card");
    var fresh = new DOMParser().parseFromString(xhr.responseText, "text/html");
    document.title = fresh.title;
    document.body.replaceWith(document.adoptNode(fresh.body));
    var anchor = section ? document.getElementById(section.id) : null;
    window.history.replaceState(null, "", anchor ? landed + "#" + section.id : landed);
    if (window.htmx) { window.htmx.process(document.body); }
    if (anchor) { anchor.scrollIntoView(); } else { window.scrollTo(0, 0); }
    focusFirstError(document);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || event.defaultPrevented) { return; }
    var meter = form.querySelector("[data-upload-progress]");
    var hasFile = Array.prototype.some.call(form.querySelectorAll("input[type=file]"), function (input) {
      return input.files && input.files.length > 0;
    });
    if (!meter || !hasFile || !window.XMLHttpRequest || !window.FormData) { return; }
    event.preventDefault();
    var bar = meter.querySelector("progress");
    var text = meter.querySelector("[data-upload-text]");

    meter.hidden = false;
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.upload.addEventListener("progress", function (progress) {
      if (!progress.lengthComputable) { return; }
      var percent = Math.round((100 * progress.loaded) / progress.total);
      bar.value = percent;
      text.textContent = text.getAttribute("data-template").replace("{percent}", String(percent));
    });
    xhr.upload.addEventListener("load", function () {
      bar.value = 100;
      text.textContent = text.getAttribute("data-done");
    });
    xhr.addEventListener("load", function () { showPage(xhr, form); });
    xhr.addEventListener("error", function () {
      text.textContent = text.getAttribute("data-failed");
    });
    var data;
    try {
      data = new FormData(form, event.submitter || null); // the button pressed says which action
    } catch (unsupported) {
      data = new FormData(form);
      if (event.submitter && event.submitter.name) { data.append(event.submitter.name, event.submitter.value); }
    }
    xhr.send(data);
  });
})();

/* A handle suggested from the name as it is typed (the server does the same for a
 * blank handle), until the person types a handle of their own. */
(function () {
  "use strict";

  function slugify(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[^a-z0-9\s_-]/g, "").trim().replace(/[\s_-]+/g, "-").slice(0, 100);
  }

  document.addEventListener("input", function (event) {
    var source = event.target;
    if (!source.id) { return; }
    document.querySelectorAll('[data-suggest-from="' + source.id + '"]').forEach(function (target) {
      if (target.dataset.edited === "1") { return; }
      target.value = slugify(source.value);
    });
    if (source.hasAttribute("data-suggest-from")) {
      source.dataset.edited = source.value ? "1" : "";
    }
  });
})();

/* The runs list: a "select every run on this page" box (shown only when this script
 * runs; without it the rows are ticked one by one), kept in step with the rows. */
(function () {
  "use strict";

  function rowBoxes(all) {
    var form = all.getAttribute("form");
    return document.querySelectorAll('input[type=checkbox][name=run_ids][form="' + form + '"]');
  }

  function showSelectAll() {
    document.querySelectorAll("[data-select-all][hidden]").forEach(function (holder) {
      holder.hidden = false;
    });
  }

  function syncSelectAll() {
    var all = document.getElementById("select-page");
    if (!all) { return; }
    var boxes = Array.prototype.slice.call(rowBoxes(all));
    var ticked = boxes.filter(function (box) { return box.checked; }).length;
    all.checked = boxes.length > 0 && ticked === boxes.length;
    all.indeterminate = ticked > 0 && ticked < boxes.length;
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.id === "select-page") {
      rowBoxes(target).forEach(function (box) { box.checked = target.checked; });
    } else if (target.name === "run_ids") {
      syncSelectAll();
    }
  });
  document.addEventListener("DOMContentLoaded", showSelectAll);
  document.addEventListener("htmx:afterSwap", showSelectAll);
})();
