// The simulator's chat page: pick a member, see what the bot sent them,
// send text and click card buttons. Plain JS, no external resources.
(function () {
  'use strict';

  var POLL_MS = 1000;
  var CHATS_MS = 5000;

  var state = {
    target: null,     // {kind: 'user'|'chat'|'robot', id, name, sub}
    generation: 0,    // bumps on every switch so late answers for another target are ignored
    cursor: 0,
    polling: false,
    bubbles: {},      // item id -> element
    cards: {}         // task_id -> [{el, seq}]
  };

  function $(id) { return document.getElementById(id); }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = text; }
    return e;
  }

  function request(method, path, body) {
    var opts = { method: method, headers: {} };
    if (body) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    return fetch(path, opts).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (!r.ok) { throw new Error(j.error || ('HTTP ' + r.status)); }
        return j;
      });
    });
  }

  var toastTimer = null;
  function toast(text) {
    var t = $('toast');
    t.textContent = text;
    t.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { t.hidden = true; }, 3000);
  }

  // ---- contacts ----

  function contactButton(avatarText, group, name, sub, onPick) {
    var li = el('li');
    var b = el('button');
    b.type = 'button';
    var av = el('span', group ? 'avatar group' : 'avatar', avatarText);
    var txt = el('span');
    txt.appendChild(el('div', 'name', name));
    if (sub) { txt.appendChild(el('div', 'sub', sub)); }
    b.appendChild(av);
    b.appendChild(txt);
    b.addEventListener('click', function () {
      var active = document.querySelectorAll('.list button.active');
      for (var i = 0; i < active.length; i++) { active[i].classList.remove('active'); }
      b.classList.add('active');
      onPick();
    });
    li.appendChild(b);
    return li;
  }

  function loadContacts(first) {
    return request('GET', 'api/members').then(function (data) {
      if (first) {
        var ul = $('members');
        ul.textContent = '';
        data.members.forEach(function (m) {
          ul.appendChild(contactButton(m.name.slice(-2), false, m.name, m.position, function () {
            open({ kind: 'user', id: m.userid, name: m.name, sub: m.position });
            request('POST', 'api/enter', { user: m.userid }).catch(function (e) { toast(e.message); });
          }));
        });
      }
      var chats = $('chats');
      chats.textContent = '';
      $('chats-title').hidden = data.chats.length === 0;
      data.chats.forEach(function (c) {
        var sub = c.kind === 'robot' ? '群机器人' : '应用群聊';
        chats.appendChild(contactButton('群', true, c.name || c.id, sub, function () {
          open({ kind: c.kind, id: c.id, name: c.name || c.id, sub: sub });
        }));
      });
    }).catch(function (e) { toast('加载成员失败：' + e.message); });
  }

  // ---- conversation ----

  function open(target) {
    state.target = target;
    state.generation++;
    state.cursor = 0;
    state.bubbles = {};
    state.cards = {};
    $('chat-name').textContent = target.name;
    $('chat-sub').textContent = target.sub || '';
    $('log').textContent = '';
    $('composer').hidden = target.kind !== 'user';
    $('attach').hidden = target.kind !== 'user';
    document.body.classList.add('chatting');
    poll();
  }

  function poll() {
    if (!state.target || state.polling) { return; }
    var gen = state.generation;
    var t = state.target;
    var param = t.kind === 'user' ? 'user' : t.kind;
    state.polling = true;
    request('GET', 'api/messages?' + param + '=' + encodeURIComponent(t.id) + '&after=' + state.cursor)
      .then(function (data) {
        if (gen !== state.generation) { return; }
        var log = $('log');
        var nearBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 80;
        data.items.forEach(upsert);
        state.cursor = data.cursor;
        if (nearBottom && data.items.length) { log.scrollTop = log.scrollHeight; }
      })
      .catch(function () { /* the next poll retries */ })
      .then(function () { state.polling = false; });
  }

  function upsert(item) {
    if (item.type === 'card_update' || item.type === 'update_button') {
      if (applyCardUpdate(item)) { return; }
    }
    var node = render(item);
    var old = state.bubbles[item.id];
    if (old) {
      // Keep the order key: later bubbles find their place by it.
      node.dataset.seq = item.seq;
      old.parentNode.replaceChild(node, old);
    } else {
      insertInOrder(node, item.seq);
    }
    state.bubbles[item.id] = node;
  }

  function insertInOrder(node, seq) {
    node.dataset.seq = seq;
    var log = $('log');
    var children = log.children;
    for (var i = children.length - 1; i >= 0; i--) {
      if (Number(children[i].dataset.seq) <= seq) {
        log.insertBefore(node, children[i].nextSibling);
        return;
      }
    }
    log.insertBefore(node, log.firstChild);
  }

  function render(item) {
    if (item.type === 'event' && item.from === 'me' && item.content === '[进入应用]') {
      return el('div', 'sys', item.time + ' 进入应用');
    }
    var wrap = el('div', 'msg ' + (item.from === 'me' ? 'me' : 'bot'));
    wrap.appendChild(el('div', 'meta', item.time));
    if (item.type === 'template_card' || item.type === 'card_update') {
      var holder = el('div');
      holder.appendChild(renderCard(item.card, item.seq, item.replaced));
      wrap.appendChild(holder);
      if (item.task_id) {
        (state.cards[item.task_id] = state.cards[item.task_id] || []).push({ el: holder, seq: item.seq });
      }
    } else if (item.type === 'markdown') {
      var md = el('div', 'bubble md');
      md.innerHTML = markdown(item.content || '');
      wrap.appendChild(md);
    } else if (item.type === 'update_button') {
      wrap.appendChild(el('div', 'bubble', '卡片按钮已更新为：' + item.content));
    } else {
      var bubble = el('div', 'bubble');
      bubble.innerHTML = linkify(item.content || '');
      wrap.appendChild(bubble);
    }
    if (item.from === 'me') {
      var st;
      if (item.pending) {
        st = el('div', 'state', '发送中…');
      } else if (item.error) {
        st = el('div', 'state bad', '投递失败：' + item.error);
      } else if (item.status === 200) {
        st = el('div', 'state', '已送达（应用应答 200）');
      } else {
        st = el('div', 'state bad', '应用应答 ' + item.status);
      }
      wrap.appendChild(st);
    }
    return wrap;
  }

  // applyCardUpdate redraws the card a task_id update refers to; false when
  // the card is not in this conversation.
  function applyCardUpdate(item) {
    var list = state.cards[item.task_id];
    if (!list || !list.length) { return false; }
    list.forEach(function (c) {
      if (item.type === 'card_update') {
        c.el.textContent = '';
        c.el.appendChild(renderCard(item.card, c.seq, item.replaced));
      } else {
        greyOut(c.el, item.content);
      }
    });
    return true;
  }

  function greyOut(holder, text) {
    var buttons = holder.querySelector('.buttons');
    if (!buttons) { return; }
    var done = el('div', 'done', text);
    buttons.parentNode.replaceChild(done, buttons);
  }

  // ---- cards ----

  function renderCard(card, seq, replaced) {
    card = card || {};
    var box = el('div', 'card');
    if (card.source && card.source.desc) { box.appendChild(el('div', 'src', card.source.desc)); }
    if (card.main_title) {
      if (card.main_title.title) { box.appendChild(el('div', 'title', card.main_title.title)); }
      if (card.main_title.desc) { box.appendChild(el('div', 'desc', card.main_title.desc)); }
    }
    if (card.emphasis_content && card.emphasis_content.title) {
      var em = el('div', 'emph');
      em.appendChild(el('div', 'big', card.emphasis_content.title));
      if (card.emphasis_content.desc) { em.appendChild(el('div', 'desc', card.emphasis_content.desc)); }
      box.appendChild(em);
    }
    if (card.quote_area && card.quote_area.quote_text) {
      box.appendChild(el('div', 'quote', card.quote_area.quote_text));
    }
    if (card.sub_title_text) { box.appendChild(el('div', 'text', card.sub_title_text)); }
    if (card.horizontal_content_list && card.horizontal_content_list.length) {
      var dl = el('dl');
      card.horizontal_content_list.forEach(function (f) {
        dl.appendChild(el('dt', '', f.keyname));
        dl.appendChild(el('dd', '', f.value));
      });
      box.appendChild(dl);
    }
    if (card.jump_list && card.jump_list.length) {
      var links = el('div', 'links');
      card.jump_list.forEach(function (j) {
        var a = el('a', '', j.title);
        if (/^https?:\/\//.test(j.url || '')) { a.href = j.url; a.target = '_blank'; a.rel = 'noopener'; }
        links.appendChild(a);
      });
      box.appendChild(links);
    }
    var buttons = (card.button_list || []).slice();
    if (card.submit_button && card.submit_button.key) { buttons.push(card.submit_button); }
    if (replaced) {
      box.appendChild(el('div', 'done', replaced));
    } else if (buttons.length && state.target && state.target.kind === 'user') {
      var row = el('div', 'buttons');
      buttons.forEach(function (b) {
        var btn = el('button', 'style-' + (b.style || 1), b.text);
        btn.type = 'button';
        btn.addEventListener('click', function () { click(seq, b.key, row, box); });
        row.appendChild(btn);
      });
      box.appendChild(row);
    }
    return box;
  }

  function click(seq, key, row, box) {
    var all = row.querySelectorAll('button');
    for (var i = 0; i < all.length; i++) { all[i].disabled = true; }
    request('POST', 'api/click', { user: state.target.id, seq: seq, key: key }).then(function (res) {
      if (res.replaced) {
        greyOut(box.parentNode, res.replaced);
      } else {
        for (var i = 0; i < all.length; i++) { all[i].disabled = false; }
      }
      toast(res.status === 200 ? '已点击（应用应答 200）' : '应用应答 ' + res.status);
    }).catch(function (e) {
      for (var i = 0; i < all.length; i++) { all[i].disabled = false; }
      toast(e.message);
    });
  }

  // ---- markdown (the subset WeCom renders) ----

  function escapeHTML(s) {
    return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;').replace(/'/g, '&#39;');
  }

  function inline(s) {
    return s
      .replace(/`([^`]+)`/g, '<code>$1</code>')
      .replace(/\*\*([^*]+)\*\*/g, '<b>$1</b>')
      .replace(/\[([^\]]+)\]\((https?:\/\/[^\s)]+)\)/g, '<a href="$2" target="_blank" rel="noopener">$1</a>')
      .replace(/&lt;font color=&quot;(info|comment|warning)&quot;&gt;([\s\S]*?)&lt;\/font&gt;/g,
        '<span class="font-$1">$2</span>');
  }

  // linkify makes the addresses in a text clickable, as the WeCom client does.
  function linkify(text) {
    return escapeHTML(text).replace(/https?:\/\/[^\s<>"'，。；、）】]+/g, function (u) {
      return '<a href="' + u + '" target="_blank" rel="noopener">' + u + '</a>';
    });
  }

  function markdown(src) {
    return escapeHTML(src).split('\n').map(function (line) {
      var h = /^(#{1,6})\s+(.*)$/.exec(line);
      if (h) { return '<b>' + inline(h[2]) + '</b>'; }
      var q = /^&gt;\s?(.*)$/.exec(line);
      if (q) { return '<div class="q">' + inline(q[1]) + '</div>'; }
      return inline(line);
    }).join('<br>');
  }

  // ---- composer ----

  function send(ev) {
    ev.preventDefault();
    var input = $('input');
    var text = input.value.trim();
    if (!text || !state.target || state.target.kind !== 'user') { return; }
    $('send').disabled = true;
    request('POST', 'api/send', { user: state.target.id, content: text }).then(function (res) {
      input.value = '';
      if (res.status !== 200) { toast('应用应答 ' + res.status); }
      poll();
    }).catch(function (e) { toast(e.message); })
      .then(function () { $('send').disabled = false; input.focus(); });
  }

  $('composer').addEventListener('submit', send);
  // Enter sends and Shift+Enter breaks the line. The break Enter would type
  // must not land in the emptied composer: some keyboards deliver it as its
  // own input event after the keydown that sent, which preventDefault there
  // does not reach.
  var shiftHeld = false;
  $('input').addEventListener('keydown', function (ev) {
    shiftHeld = ev.shiftKey;
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) { send(ev); }
  });
  $('input').addEventListener('beforeinput', function (ev) {
    var lineBreak = ev.inputType === 'insertLineBreak' || ev.inputType === 'insertParagraph';
    if (lineBreak && !shiftHeld && !ev.isComposing) { ev.preventDefault(); }
  });
  $('back').addEventListener('click', function () { document.body.classList.remove('chatting'); });

  // The attachment buttons (media.js) send as the member of the chat.
  window.simChat = {
    user: function () { return state.target && state.target.kind === 'user' ? state.target.id : null; },
    refresh: poll,
    toast: toast
  };

  loadContacts(true);
  setInterval(poll, POLL_MS);
  setInterval(function () { loadContacts(false); }, CHATS_MS);
})();
