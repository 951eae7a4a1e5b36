// Distribution forms: offer only the visitors (责任人) of the chosen village (the server checks too).
(function () {
  document.querySelectorAll("select[name=village_code]").forEach(function (village) {
    var form = village.form || document.getElementById(village.getAttribute("form"));
    var visitor = form && form.querySelector("select[name=visitor_id]");
    if (!visitor) { return; }
    function fit() {
      var first = null;
      Array.prototype.forEach.call(visitor.options, function (option) {
        var fits = option.getAttribute("data-village") === village.value;
        option.hidden = !fits;
        option.disabled = !fits;
        if (fits && !first) { first = option; }
      });
      var chosen = visitor.options[visitor.selectedIndex];
      if (!chosen || chosen.disabled) {
        if (first) { first.selected = true; } else { visitor.selectedIndex = -1; }
      }
    }
    village.addEventListener("change", fit);
    fit();
  });
})();
