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
