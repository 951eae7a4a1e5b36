/* Page behaviour, loaded by base.html. No inline script or event handler anywhere: the
   Content-Security-Policy (webapp/security_headers.py) allows only this site's own files. */
(function () {
  'use strict';

  // A "select all" checkbox ticks every .pick checkbox of the page.
  document.querySelectorAll('input.pick-all').forEach(function (all) {
    all.addEventListener('change', function () {
      document.querySelectorAll('input.pick').forEach(function (box) { box.checked = all.checked; });
    });
  });

  // A running comparison: poll its progress until it is done, then show the result.
  var box = document.getElementById('run-progress');
  if (box && box.dataset.url) {
    var poll = function () {
      fetch(box.dataset.url, {credentials: 'same-origin'}).then(function (r) { return r.json(); }).then(function (p) {
        if (p.status === 'done' || p.status === 'failed') { location.reload(); return; }
        document.getElementById('stage').textContent = p.stage || '';
        var bar = document.getElementById('bar');
        bar.max = p.total || 1;
        bar.value = p.done;
        setTimeout(poll, 1500);
      }).catch(function () { setTimeout(poll, 5000); });
    };
    poll();
  }
})();
