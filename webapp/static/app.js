/* Page behaviour shared by every page, loaded by base.html. No inline script or event handler
   anywhere: the Content-Security-Policy (webapp/security_headers.py) allows only this site's own files. */
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

  // The registration form: birth date and sex follow the ID number (GB 11643: digits 7-14 are
  // the birth date, the 17th is odd for men); a different chosen sex shows a warning.
  function wireIdNumber() {
    var id = document.getElementById("id_number");
    var sex = document.getElementById("sex");
    var birth = document.getElementById("birth_date");
    var warning = document.getElementById("sex-warning");
    if (!id || !sex || !warning) { return; }
    function derived() {
      var value = (id.value || "").replace(/\s/g, "").toUpperCase();
      if (!/^\d{17}[\dX]$/.test(value)) { return null; }
      return {birth: value.slice(6, 10) + "-" + value.slice(10, 12) + "-" + value.slice(12, 14),
              sex: parseInt(value.charAt(16), 10) % 2 ? "M" : "F"};
    }
    function update(fromId) {
      var d = derived();
      if (!d) { return; }
      if (birth) { birth.value = d.birth; }
      if (!sex.value || (fromId && !sex.dataset.touched)) { sex.value = d.sex; }
      var conflict = sex.value && sex.value !== d.sex;
      warning.hidden = !conflict;
      if (conflict) {
        var label = d.sex === "M" ? warning.dataset.textM : warning.dataset.textF;
        warning.querySelector(".text").textContent = warning.dataset.template.replace("{sex}", label);
      }
    }
    id.addEventListener("input", function () { update(true); });
    sex.addEventListener("change", function () { sex.dataset.touched = "1"; update(false); });
    if (!warning.hidden) { sex.dataset.touched = "1"; }
    update(false);
  }

  // A running comparison: poll its progress until it is done, then show the result.
  function wireRunProgress() {
    var box = document.getElementById("run-progress");
    if (!box || !box.dataset.url) { return; }
    var poll = function () {
      fetch(box.dataset.url, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (p) {
        if (p.status === "done" || p.status === "failed") { location.reload(); return; }
        document.getElementById("stage").textContent = p.stage || "";
        var bar = document.getElementById("bar");
        bar.max = p.total || 1;
        bar.value = p.done;
        setTimeout(poll, 1500);
      }).catch(function () { setTimeout(poll, 5000); });
    };
    poll();
  }

  function wirePrint() {
    document.querySelectorAll("button.print-button").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  }

  // A form save's confirmation comes with its redirect's link (?saved_form=<id>: webapp/inbox/
  // registration_forms.py), not with the session. Once the page shows it the address drops the
  // argument, so a reload or a return through the history shows the page without it; so does the
  // way back after the header's forms (the language switch's "next").
  function dropShownNotice() {
    if (!/[?&]saved_form=/.test(location.search) || !window.URL || !history.replaceState) { return; }
    var before = location.pathname + location.search;
    var url = new URL(location.href);
    url.searchParams.delete("saved_form");
    history.replaceState(history.state, "", url.pathname + url.search + url.hash);
    document.querySelectorAll('input[name="next"]').forEach(function (next) {
      if (next.value === before) { next.value = url.pathname + url.search; }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    dropShownNotice();
    wirePrint();
    wirePickAll();
    wireIdNumber();
    wireRunProgress();
  });
})();
