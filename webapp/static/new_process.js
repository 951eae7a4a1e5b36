// The new-process-from-a-template page: the second step's fields only for templates that have one.
(function () {
  "use strict";
  var form = document.getElementById("new-process-form");
  if (!form) {
    return;
  }
  var template = document.getElementById("template");
  var second = document.getElementById("second-step");
  var twoSteps = (form.getAttribute("data-two-steps") || "").split(" ");
  function toggle() {
    second.hidden = twoSteps.indexOf(template.value) < 0;
  }
  template.addEventListener("change", toggle);
  toggle();
})();
