// Pages showing an import in progress poll a small JSON endpoint and redraw when its state changes.
// Loaded with <script src> (no inline script): the pages run under a strict Content-Security-Policy.
(function () {
  "use strict";
  var INTERVAL = 2000;

  function watch(element) {
    var url = element.getAttribute("data-poll-url");
    var state = element.getAttribute("data-poll-state");

    function tick() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (data && data.state !== state) {
            window.location.reload();
            return;
          }
          window.setTimeout(tick, INTERVAL);
        })
        .catch(function () { window.setTimeout(tick, INTERVAL * 3); });
    }

    window.setTimeout(tick, INTERVAL);
  }

  document.querySelectorAll("[data-poll-url]").forEach(watch);
})();
