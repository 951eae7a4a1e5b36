// Staff account form: offer only the areas whose level fits the chosen role (the server checks too).
(function () {
  var role = document.querySelector("select.role-select");
  var area = document.querySelector("select.area-select");
  if (!role || !area) { return; }
  var levels = JSON.parse(role.getAttribute("data-levels") || "{}");
  function fit() {
    var wanted = levels[role.value];
    var groups = area.querySelectorAll("optgroup");
    var selected = area.options[area.selectedIndex];
    groups.forEach(function (group) {
      var fits = !wanted || group.getAttribute("data-level") === wanted;
      group.disabled = !fits;
      group.hidden = !fits;
    });
    if (selected && selected.parentNode.disabled) {
      var first = area.querySelector("optgroup:not([disabled]) option");
      if (first) { first.selected = true; }
    }
  }
  role.addEventListener("change", fit);
  fit();
})();
