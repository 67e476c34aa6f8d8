// Photos, voice and locations from the page, sent as WeCom sends them: an
// image message (PicUrl, MediaId), a voice message (MediaId, Format amr, no
// Recognition) and a location message (Location_X/Y, Label).
(function () {
  'use strict';

  function $(id) { return document.getElementById(id); }

  function answered(r) {
    return r.json().catch(function () { return {}; }).then(function (j) {
      if (!r.ok) { throw new Error(j.error || ('HTTP ' + r.status)); }
      if (j.status !== 200) { window.simChat.toast('应用应答 ' + j.status); }
      window.simChat.refresh();
    });
  }

  function sendFile(input, kind) {
    var user = window.simChat.user();
    var file = input.files && input.files[0];
    input.value = '';
    if (!user || !file) { return; }
    var form = new FormData();
    form.append('user', user);
    form.append('kind', kind);
    form.append('file', file);
    fetch('api/media', { method: 'POST', body: form }).then(answered)
      .catch(function (e) { window.simChat.toast(e.message); });
  }

  $('pick-image').addEventListener('change', function () { sendFile(this, 'image'); });
  $('pick-voice').addEventListener('change', function () { sendFile(this, 'voice'); });

  var places = $('pick-place');
  fetch('api/places').then(function (r) { return r.json(); }).then(function (j) {
    j.places.forEach(function (p) {
      var o = document.createElement('option');
      o.value = p.name;
      o.textContent = p.name + '（' + p.label + '）';
      places.appendChild(o);
    });
  }).catch(function () {});
  places.addEventListener('change', function () {
    var user = window.simChat.user();
    var place = places.value;
    places.value = '';
    if (!user || !place) { return; }
    fetch('api/location', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ user: user, place: place })
    }).then(answered).catch(function (e) { window.simChat.toast(e.message); });
  });
})();
