/* Small page helpers shared by every page (loaded with <script src>, no inline handlers). */
(function () {
  "use strict";

  // A "select all" checkbox: <input type="checkbox" class="pick-all" data-pick=".pick">.
  function wirePickAll() {
    document.querySelectorAll("input.pick-all").forEach(function (all) {
      all.addEventListener("change", function () {
        document.querySelectorAll(all.dataset.pick || ".pick").forEach(function (box) {
          box.checked = all.checked;
        });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    wirePickAll();
  });
})();
