// Starts Swagger UI from the app's own copy (no CDN, no inline script).
window.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  if (!root || !window.SwaggerUIBundle) { return; }
  window.SwaggerUIBundle({ url: root.getAttribute("data-url"), dom_id: "#swagger-ui", deepLinking: true });
});
