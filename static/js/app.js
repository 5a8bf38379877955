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
