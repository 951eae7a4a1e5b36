// The migration run page polls its progress endpoint and moves the bar; reloads once finished.
// Loaded with <script src> (no inline script): the pages run under a strict Content-Security-Policy.
(function () {
  "use strict";
  var INTERVAL = 1000;
  var box = document.getElementById("migration-progress");
  if (!box || box.getAttribute("data-status") === "finished") { return; }
  var url = box.getAttribute("data-progress-url");

  function show(id, value) {
    var element = document.getElementById(id);
    if (element) { element.textContent = String(value); }
  }

  function tick() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { window.setTimeout(tick, INTERVAL * 3); return; }
        var bar = document.getElementById("migration-bar");
        bar.max = data.total || 1;
        bar.value = data.done;
        show("migration-done", data.done);
        show("migration-migrated", data.migrated);
        show("migration-incompatible", data.incompatible);
        show("migration-skipped", data.skipped);
        if (data.status === "finished") { window.location.reload(); return; }
        window.setTimeout(tick, INTERVAL);
      })
      .catch(function () { window.setTimeout(tick, INTERVAL * 3); });
  }

  window.setTimeout(tick, INTERVAL);
})();
