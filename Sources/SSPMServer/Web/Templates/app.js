// OpenSSPM web UI: small progressive enhancements. Every page works without them.
(function () {
  'use strict';

  // Quick filter: narrows the rows of the table that follows it while typing, without a reload.
  document.querySelectorAll('[data-quick-filter]').forEach(function (box) {
    var input = box.querySelector('input');
    var count = box.querySelector('[data-count]');
    var table = document.getElementById(box.getAttribute('data-quick-filter'));
    if (!input || !table) return;
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    box.hidden = false;
    input.addEventListener('input', function () {
      var needle = input.value.trim().toLowerCase();
      var shown = 0;
      rows.forEach(function (row) {
        var match = needle === '' || row.textContent.toLowerCase().indexOf(needle) !== -1;
        row.hidden = !match;
        if (match) shown += 1;
      });
      if (count) count.textContent = needle === '' ? '' : shown + ' of ' + rows.length + ' rows shown';
    });
  });

  // Live sync progress: polls the progress API (while the first sync is queued, there is none yet)
  // and reloads the page once the sync is over, to show its result.
  var box = document.getElementById('sync-progress');
  if (!box || box.getAttribute('data-running') !== 'true') return;
  var steps = { validating: 1, reading: 2, scoring: 3, done: 4, failed: 4 };
  var bar = box.querySelector('progress');
  var status = document.querySelector('#connector-status .status');
  function set(name, text) {
    var field = box.querySelector('[data-field="' + name + '"]');
    if (field) field.textContent = text;
  }
  function poll() {
    fetch(box.getAttribute('data-progress-url'), { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (response) {
        if (!response.ok) throw new Error('HTTP ' + response.status);
        return response.json();
      })
      .then(function (body) {
        var p = body.progress;
        if (status && body.status) {
          status.textContent = body.status;
          status.className = 'status status-' + body.status;
        }
        if (p) {
          set('phase', p.phase);
          set('items', String(p.items));
          set('requests', String(p.requests));
          set('rateLimitWaits', String(p.rateLimitWaits));
          set('eta', p.etaSeconds && !p.finished ? ' · about ' + Math.round(p.etaSeconds) + ' s left' : '');
          if (bar && steps[p.phase]) bar.value = steps[p.phase];
        }
        if (p && p.finished) {
          window.location.reload();
          return;
        }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
