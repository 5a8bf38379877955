// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // A page that comes back with an error summary (a form posted without htmx) puts focus on it.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
  });
  // After htmx swaps in a fragment, move focus to an error summary or an element that asks for it,
  // so keyboard and screen-reader users notice the change.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!target) { return; }
    var focusable = target.querySelector("[data-focus-after-swap], .error-summary");
    if (focusable) {
      if (!focusable.hasAttribute("tabindex")) { focusable.setAttribute("tabindex", "-1"); }
      focusable.focus();
    }
  });
})();
// After an autosave, mark the fields of that question invalid or valid for assistive technology.
document.addEventListener("htmx:afterSwap", function (event) {
  var status = event.detail.target;
  if (!status || !status.id || status.id.indexOf("status-") !== 0) {
    status = document.getElementById(event.detail.target && event.detail.target.id);
  }
  document.querySelectorAll(".save-status[data-field-invalid]").forEach(function (box) {
    var question = box.closest(".question");
    if (!question) { return; }
    var invalid = box.getAttribute("data-field-invalid") === "true";
    question.classList.toggle("question--invalid", invalid);
    question.querySelectorAll("input:not([type=hidden]), textarea, select").forEach(function (field) {
      if (invalid) { field.setAttribute("aria-invalid", "true"); } else { field.removeAttribute("aria-invalid"); }
    });
  });
});
// An autosave that fails (no connection, a server error) says so next to the question, so that
// nobody walks away believing it was stored; the typed text stays in the field.
function autosaveFailed(event) {
  var source = event.detail.elt;
  var form = source && source.closest ? source.closest("form.section-form") : null;
  var question = source && source.closest ? source.closest(".question") : null;
  if (!form || !question) { return; }
  var error = question.querySelector(".field-error");
  if (!error) { return; }
  error.textContent = form.getAttribute("data-save-failed") || "";
  var saved = question.querySelector(".save-status .saved");
  if (saved) { saved.remove(); }
}
document.addEventListener("htmx:responseError", autosaveFailed);
document.addEventListener("htmx:sendError", autosaveFailed);
// Ticking "overwrite it with my answer" after a conflict saves the typed text at once: a text
// field saves on its own events, which the checkbox next to it does not send (a choice
// question's fieldset hears the change itself). Leaving the field to reach the checkbox would
// send the same refused save again and redraw the checkbox under the pointer: a save that
// repeats the one just refused as a conflict is not sent.
document.addEventListener("change", function (event) {
  var box = event.target;
  if (!box || box.name !== "overwrite" || !box.checked || !window.htmx) { return; }
  var field = document.getElementById("a-" + box.value);
  if (!field || !(field.tagName === "TEXTAREA" || field.tagName === "INPUT") || !field.hasAttribute("hx-post")) { return; }
  field.setAttribute("data-overwrite", box.value);
  window.htmx.trigger(field, "change");
});
document.addEventListener("htmx:configRequest", function (event) {
  var field = event.detail.elt;
  // Only an answer's own autosave is remembered (comments, verdicts and filters are not).
  if (!field || !field.closest || !field.closest(".question")) { return; }
  var question = field.getAttribute("data-overwrite");
  if (question) { event.detail.parameters["overwrite"] = question; }
  var sent = JSON.stringify(event.detail.parameters);
  if (field.dataset.refused === sent) { event.preventDefault(); return; }
  field.dataset.sending = sent;
});
document.addEventListener("htmx:afterRequest", function (event) {
  var field = event.detail.elt;
  if (!field || !field.dataset || !field.closest || !field.closest(".question")) { return; }
  var conflict = event.detail.xhr && event.detail.xhr.status === 409;
  if (conflict) { field.dataset.refused = field.dataset.sending || ""; } else { delete field.dataset.refused; }
  if (!conflict && event.detail.successful) { field.removeAttribute("data-overwrite"); }
});
// A form that takes seconds (signing renders and signs a PDF) shows that it is working: its
// button is disabled and reads its data-busy-label ("Signing…") until the next page arrives,
// so a second click sends nothing twice. Without JavaScript the form posts as usual.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form || !form.hasAttribute || !form.hasAttribute("data-busy-form")) { return; }
  if (form.getAttribute("aria-busy") === "true") { event.preventDefault(); return; }
  form.setAttribute("aria-busy", "true");
  var button = form.querySelector("[data-busy-label]");
  if (button) {
    button.setAttribute("data-idle-label", button.textContent);
    button.textContent = button.getAttribute("data-busy-label");
    button.disabled = true;
  }
  var status = form.querySelector("[data-busy-status]");
  if (status && button) { status.textContent = button.textContent; }
});
// Back on a page the browser kept (the back button): the form can be used again.
window.addEventListener("pageshow", function () {
  document.querySelectorAll("form[data-busy-form][aria-busy=true]").forEach(function (form) {
    form.removeAttribute("aria-busy");
    var button = form.querySelector("[data-busy-label]");
    if (button) {
      button.disabled = false;
      button.textContent = button.getAttribute("data-idle-label") || button.textContent;
    }
    var status = form.querySelector("[data-busy-status]");
    if (status) { status.textContent = ""; }
  });
});
// A fragment swapped in by htmx (a comment, a reply, a verdict) names the element that should
// get focus: the new comment, the saved verdict, or the field whose input was refused.
document.addEventListener("htmx:afterSettle", function () {
  var focusable = document.querySelector("[data-focus-after-swap]");
  if (!focusable) { return; }
  focusable.removeAttribute("data-focus-after-swap");
  if (!focusable.matches("input, textarea, select, button, a[href]") && !focusable.hasAttribute("tabindex")) {
    focusable.setAttribute("tabindex", "-1");
  }
  focusable.focus();
});
// The decision-support panel and the steps are replaced after an autosave. Whoever was in them
// (a keyboard on "why and what to do", a screen reader on a driver's link) stays where they
// were: the same place in the new panel, or its heading when that place is gone.
var keptFocus = null;
document.addEventListener("htmx:oobBeforeSwap", function (event) {
  var old = event.detail.target;
  var active = document.activeElement;
  keptFocus = null;
  if (!old || !old.id || !active || active === document.body || !old.contains(active)) { return; }
  var all = Array.prototype.slice.call(old.querySelectorAll("a[href], summary, button, [tabindex]"));
  keptFocus = { container: old.id, id: active.id, index: all.indexOf(active) };
});
document.addEventListener("htmx:oobAfterSwap", function () {
  if (!keptFocus) { return; }
  var box = document.getElementById(keptFocus.container);
  var kept = keptFocus;
  keptFocus = null;
  if (!box) { return; }
  var place = kept.id ? document.getElementById(kept.id) : null;
  if (!place && kept.index >= 0) {
    place = box.querySelectorAll("a[href], summary, button, [tabindex]")[kept.index] || null;
  }
  if (!place) {
    place = box.querySelector("h2, h1") || box;
    if (!place.hasAttribute("tabindex")) { place.setAttribute("tabindex", "-1"); }
  }
  place.focus();
});
// The session's timeout, announced in time (WCAG 2.2.1). The page knows when its session
// expires if nothing more happens (the server says so in the page and in every response);
// shortly before, someone who was busy on the page (typing a comment, which saves nothing
// until sent) stays logged in without being interrupted, and someone who was away is shown
// the warning with the focus on "Stay logged in". After expiry the warning says so, and
// what is sent then is kept by the server until the user logs in again.
(function () {
  "use strict";
  var box = document.getElementById("session-warning");
  if (!box || !window.fetch) { return; }
  var form = box.querySelector("form");
  var text = document.getElementById("session-warning-text");
  var warnBefore = Number(box.getAttribute("data-warn-before")) * 1000;
  var deadline = 0, end = 0, heardAt = 0, busyAt = 0, before = null, over = false;
  function heard(expiresIn, endsIn) {
    var now = Date.now();
    if (isNaN(expiresIn) || isNaN(endsIn)) { return; }
    deadline = now + expiresIn * 1000;
    end = now + endsIn * 1000;
    heardAt = now;
    if (!box.hidden && !over && deadline - now > warnBefore) { hide(); }
  }
  function clock(at) {
    return new Intl.DateTimeFormat(document.documentElement.lang || "nl", {
      hour: "2-digit", minute: "2-digit", timeZone: "Europe/Amsterdam", timeZoneName: "short"
    }).format(new Date(at));
  }
  function show(final) {
    text.textContent = box.getAttribute(final ? "data-text-final" : "data-text-idle").replace("{time}", clock(deadline));
    form.hidden = final;
    before = document.activeElement;
    box.hidden = false;
    var button = form.querySelector("button");
    if (!final && button) { button.focus(); } else { box.setAttribute("tabindex", "-1"); box.focus(); }
  }
  function hide() {
    box.hidden = true;
    if (before && before.focus && document.contains(before)) { before.focus(); }
    before = null;
  }
  function expired() {
    var wasShown = !box.hidden;
    over = true;
    box.querySelector(".session-warning__title").textContent = box.getAttribute("data-title-expired");
    text.textContent = box.getAttribute("data-text-expired");
    form.hidden = true;
    var login = box.querySelector(".session-warning__login");
    login.hidden = false;
    box.hidden = false;
    if (wasShown) { login.querySelector("a").focus(); }
  }
  function extend() {
    return fetch(form.action, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      if (!response.ok) { expired(); return; }
      heard(Number(response.headers.get("Dw-Session-Expires-In")), Number(response.headers.get("Dw-Session-Ends-In")));
    }, function () { /* no connection: the warning stays, the button can be tried again */ });
  }
  function tick() {
    if (over) { return; }
    var now = Date.now();
    if (now >= deadline) { expired(); return; }
    if (deadline - now > warnBefore) { return; }
    var final = end - deadline < 1000;
    if (!final && busyAt > heardAt) { extend(); return; }
    if (box.hidden) { show(final); }
  }
  heard(Number(box.getAttribute("data-expires-in")), Number(box.getAttribute("data-ends-in")));
  form.addEventListener("submit", function (event) { event.preventDefault(); extend(); });
  ["keydown", "pointerdown", "input"].forEach(function (type) {
    document.addEventListener(type, function (event) {
      if (!box.contains(event.target)) { busyAt = Date.now(); }
    }, true);
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail.xhr;
    var expiresIn = xhr && xhr.getResponseHeader("Dw-Session-Expires-In");
    if (expiresIn) { heard(Number(expiresIn), Number(xhr.getResponseHeader("Dw-Session-Ends-In"))); }
  });
  setInterval(tick, 5000);
})();
