// The demo's clock control: jump to the times the bot acts at (20:00 and
// 21:30 reminders, 22:00 close, 09:00 summary, the 1st's KPI draft) and see
// what it sends at once. Shown only when the simulator runs in the demo.
(function () {
  'use strict';

  var LABELS = {
    '20:00': '到 20:00', '21:30': '到 21:30', '22:00': '到 22:00 后',
    'next-09:00': '次日 09:00', 'first': '下月1日 09:00', '+24h': '+24 小时', '+48h': '+48 小时'
  };

  function $(id) { return document.getElementById(id); }

  function show(view) {
    $('clock-now').textContent = view.now;
    if (!view.enabled) { return; }
    $('clock').hidden = false;
    var box = $('clock-presets');
    if (box.children.length) { return; }
    view.presets.forEach(function (p) {
      var b = document.createElement('button');
      b.type = 'button';
      b.dataset.preset = p;
      b.textContent = LABELS[p] || p;
      b.addEventListener('click', function () { move(p); });
      box.appendChild(b);
    });
  }

  function setBusy(busy) {
    var all = $('clock-presets').querySelectorAll('button');
    for (var i = 0; i < all.length; i++) { all[i].disabled = busy; }
    $('clock').classList.toggle('busy', busy);
  }

  function move(preset) {
    setBusy(true);
    fetch('api/clock', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ preset: preset })
    }).then(function (r) {
      return r.json().then(function (j) {
        if (!r.ok) { throw new Error(j.error || ('HTTP ' + r.status)); }
        show(j);
      });
    }).catch(function (e) {
      var t = $('toast');
      t.textContent = e.message;
      t.hidden = false;
      setTimeout(function () { t.hidden = true; }, 3000);
    }).then(function () { setBusy(false); });
  }

  function refresh() {
    fetch('api/clock').then(function (r) { return r.json(); }).then(show).catch(function () {});
  }

  refresh();
  setInterval(refresh, 15000);
})();
