// The page's static files, served from memory: the stylesheet, the live-update script (a separate
// same-origin file because the CSP allows no inline script) and the icon.
import { createHash } from 'node:crypto';

const STYLE = `
*{box-sizing:border-box}
html{font-size:14px}
body{margin:0;font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#172b4d;background:#f4f5f7;line-height:1.45}
a{color:#0052cc;text-decoration:none}
a:hover{text-decoration:underline}
code,pre{font-family:SFMono-Regular,Consolas,"Liberation Mono",Menlo,monospace;font-size:12px}
.topbar{display:flex;align-items:center;justify-content:space-between;height:48px;padding:0 20px;background:#205081;color:#fff}
.brand{display:flex;align-items:center;gap:10px;color:#fff;font-weight:600;font-size:16px}
.brand:hover{text-decoration:none}
.logo{width:26px;height:26px;color:#fff}
.live{font-size:12px;padding:3px 10px;border-radius:12px;background:rgba(255,255,255,.15);white-space:nowrap}
.live::before{content:"";display:inline-block;width:8px;height:8px;border-radius:50%;margin-right:6px;background:#a5adba}
.live-on::before{background:#57d9a3}
.live-wait::before{background:#ffc400}
.layout{display:flex;min-height:calc(100vh - 48px)}
.sidebar{width:230px;flex:none;background:#fff;border-right:1px solid #dfe1e6;padding:14px 0}
.sidebar h2{font-size:11px;text-transform:uppercase;letter-spacing:.06em;color:#6b778c;margin:6px 20px 8px}
.room-list{list-style:none;margin:0 0 16px;padding:0}
.room-list a{display:flex;align-items:center;padding:6px 20px;color:#42526e}
.room-list a:hover{background:#f4f5f7;text-decoration:none}
.room-list li.current a{background:#deebff;color:#0747a6;font-weight:600;box-shadow:inset 3px 0 #0052cc}
.room-name{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.room-list .room-name{flex:1}
.count{font-size:11px;font-weight:600;background:#ebecf0;color:#42526e;border-radius:10px;padding:1px 7px;min-width:24px;text-align:center}
.hash{color:#a5adba;margin-right:6px;font-weight:400}
.content{flex:1;min-width:0;padding:18px 28px 40px;max-width:1040px}
.room-head{border-bottom:1px solid #dfe1e6;margin-bottom:14px;padding-bottom:10px}
.room-head h1{font-size:22px;margin:0 0 4px;overflow-wrap:anywhere}
.room-stats{margin:0;color:#6b778c;font-size:13px}
.feed{list-style:none;margin:0;padding:0}
.n{display:flex;background:#fff;border:1px solid #ebecf0;border-radius:3px;margin:0 0 8px;overflow:hidden}
.n-bar{flex:none;width:5px;background:#dfe1e6}
.n-main{flex:1;min-width:0;padding:8px 14px 10px}
.n-meta{display:flex;align-items:baseline;gap:8px;margin-bottom:3px;font-size:12px;color:#6b778c}
.n-from{font-weight:700;color:#172b4d;font-size:13px}
.n-colour{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.n-notify{font-size:10px;text-transform:uppercase;font-weight:700;color:#0747a6;background:#deebff;border-radius:3px;padding:0 5px}
.n-time{margin-left:auto;white-space:nowrap}
.n-msg{overflow-wrap:anywhere}
.n-text{white-space:pre-wrap}
.n-msg pre{background:rgba(9,30,66,.04);border:1px solid rgba(9,30,66,.1);border-radius:3px;padding:8px;margin:4px 0;overflow:auto;white-space:pre-wrap}
.n-msg code{background:rgba(9,30,66,.06);border-radius:3px;padding:1px 3px}
.n-msg pre code{background:none;padding:0}
.n-msg table{border-collapse:collapse;margin:4px 0;background:rgba(255,255,255,.6)}
.n-msg th,.n-msg td{border:1px solid rgba(9,30,66,.13);padding:3px 8px;text-align:left}
.n-msg img{max-width:100%;max-height:320px;vertical-align:middle}
.n-msg ul,.n-msg ol{margin:4px 0;padding-left:22px}
.n-yellow{background:#fffae6;border-color:#fff0b3}.n-yellow .n-bar{background:#ffc400}
.n-green{background:#e3fcef;border-color:#abf5d1}.n-green .n-bar{background:#36b37e}
.n-red{background:#ffebe6;border-color:#ffbdad}.n-red .n-bar{background:#de350b}
.n-purple{background:#eae6ff;border-color:#c0b6f2}.n-purple .n-bar{background:#6554c0}
.n-gray{background:#f4f5f7;border-color:#dfe1e6}.n-gray .n-bar{background:#8993a4}
.n-message .n-bar{background:transparent}
.n-new{animation:arrive 1.5s ease-out}
@keyframes arrive{from{box-shadow:0 0 0 2px #4c9aff}to{box-shadow:0 0 0 0 rgba(76,154,255,0)}}
.card{display:flex;gap:12px;margin-top:8px;background:#fff;border:1px solid #dfe1e6;border-radius:4px;padding:10px 12px;max-width:640px}
.card-thumb{flex:none;width:64px;height:64px;object-fit:cover;border-radius:3px;background:#f4f5f7}
.card-body{min-width:0;flex:1}
.card-title{font-weight:600;display:flex;align-items:center;gap:6px;overflow-wrap:anywhere}
.card-icon{width:16px;height:16px;flex:none}
.card-desc{color:#42526e;margin-top:2px}
.card-activity{margin-top:4px}
.card-attrs{display:flex;flex-wrap:wrap;gap:4px 18px;margin:8px 0 0}
.card-attr{display:flex;gap:6px;align-items:center;font-size:12px}
.card-attr dt{color:#6b778c}
.card-attr dd{margin:0;display:flex;align-items:center;gap:4px}
.lozenge{display:inline-block;font-size:11px;font-weight:700;text-transform:uppercase;border-radius:3px;padding:0 5px;background:#dfe1e6;color:#42526e;line-height:1.6}
.lozenge-success{background:#e3fcef;color:#006644}
.lozenge-error{background:#ffebe6;color:#bf2600}
.lozenge-current{background:#fffae6;color:#974f0c}
.lozenge-complete{background:#deebff;color:#0747a6}
.lozenge-moved{background:#fff0b3;color:#172b4d}
.rooms{width:100%;border-collapse:collapse;background:#fff;border:1px solid #dfe1e6}
.rooms th{font-size:11px;text-transform:uppercase;letter-spacing:.04em;color:#6b778c;text-align:left;padding:8px 12px;border-bottom:2px solid #dfe1e6}
.rooms td{padding:8px 12px;border-bottom:1px solid #ebecf0}
.rooms td a{display:flex;font-weight:600}
.num{text-align:right;font-variant-numeric:tabular-nums}
.rooms th.num{text-align:right}
.flood-low{color:#974f0c}
.flood-out{color:#bf2600;font-weight:600}
.facts{margin:0 20px;font-size:12px}
.facts dt{color:#6b778c;margin-top:8px}
.facts dd{margin:0;overflow-wrap:anywhere}
.chaos-on{color:#bf2600;font-weight:600}
.muted{color:#6b778c;margin:0 20px;font-size:12px}
.empty{color:#6b778c}
.empty pre{background:#fff;border:1px solid #dfe1e6;padding:10px;border-radius:3px;overflow:auto;color:#172b4d}
.pager{margin-top:12px;display:flex;gap:16px}
@media (max-width:720px){.sidebar{display:none}.content{padding:12px}}
`;

// Plain ES2017 for any browser a CI user may have; no eval, no inline handlers (the CSP forbids both).
// Fragments it inserts come from the server, rendered and cleaned exactly like the first view.
const LIVE = `(function () {
  'use strict';
  var body = document.body;
  var events = body.getAttribute('data-events');
  var live = document.getElementById('live');
  var feed = document.getElementById('feed');
  var instance = body.getAttribute('data-instance');
  var pageSize = Number(body.getAttribute('data-page-size')) || 200;
  var lastSeq = Number(body.getAttribute('data-last-seq')) || 0;
  var known = {};
  var retryMs = 1000;

  function setLive(state, text, title) {
    if (!live) return;
    live.className = 'live live-' + state;
    live.textContent = text;
    live.title = title;
  }
  function sameDay(d) {
    return d.toDateString() === new Date().toDateString();
  }
  // The server wrote UTC; show the reader's local time.
  function localizeTime(t) {
    var d = new Date(t.getAttribute('datetime'));
    if (isNaN(d.getTime())) return;
    t.textContent = sameDay(d) ? d.toLocaleTimeString() : d.toLocaleString();
    t.title = d.toString();
  }
  function localize(root) {
    var times = root.querySelectorAll('time[datetime]');
    for (var i = 0; i < times.length; i++) localizeTime(times[i]);
  }
  function timeElement(iso, className) {
    var t = document.createElement('time');
    t.className = className;
    t.setAttribute('datetime', iso);
    localizeTime(t);
    return t;
  }
  function setText(scope, field, text) {
    var els = scope.querySelectorAll('[data-field="' + field + '"]');
    for (var i = 0; i < els.length; i++) els[i].textContent = text;
  }
  function showFlood(scope, flood) {
    var els = scope.querySelectorAll('[data-field="flood"]');
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      if (!flood) {
        el.className = '';
        el.textContent = 'off';
        continue;
      }
      el.className = 'flood' + (flood.remaining === 0 ? ' flood-out' : flood.remaining <= flood.limit / 5 ? ' flood-low' : '');
      el.textContent = flood.remaining + ' of ' + flood.limit + ' left';
      el.title = 'window resets at ' + new Date(flood.reset * 1000).toLocaleTimeString();
    }
  }
  function roomLink(room) {
    var a = document.createElement('a');
    a.href = '/rooms/' + room.id;
    var hash = document.createElement('span');
    hash.className = 'hash';
    hash.textContent = '#';
    var name = document.createElement('span');
    name.className = 'room-name';
    name.textContent = room.name;
    a.appendChild(hash);
    a.appendChild(name);
    return a;
  }
  function cell(row, field, className) {
    var td = document.createElement('td');
    if (field) td.setAttribute('data-field', field);
    if (className) td.className = className;
    row.appendChild(td);
    return td;
  }
  function addRoom(room) {
    var table = document.querySelector('#rooms-table tbody');
    if (table) {
      var row = document.createElement('tr');
      row.setAttribute('data-room-id', String(room.id));
      cell(row).appendChild(roomLink(room));
      cell(row, 'retained', 'num');
      cell(row, 'dropped', 'num');
      cell(row, 'last');
      var flood = document.createElement('span');
      flood.setAttribute('data-field', 'flood');
      cell(row).appendChild(flood);
      table.appendChild(row);
    }
    var list = document.getElementById('room-list');
    if (list) {
      var li = document.createElement('li');
      li.setAttribute('data-room-id', String(room.id));
      var a = roomLink(room);
      var count = document.createElement('span');
      count.className = 'count';
      count.setAttribute('data-field', 'retained');
      a.appendChild(count);
      li.appendChild(a);
      list.appendChild(li);
    }
    var none = document.getElementById('no-rooms');
    if (none) none.remove();
    var empty = document.getElementById('empty');
    if (empty && body.getAttribute('data-page') === 'index') empty.remove();
  }
  function showRoom(room) {
    known[room.id] = room;
    var selector = '[data-room-id="' + room.id + '"]';
    if (document.querySelectorAll(selector).length === 0) addRoom(room);
    var scopes = document.querySelectorAll(selector);
    for (var i = 0; i < scopes.length; i++) {
      setText(scopes[i], 'retained', String(room.retained));
      setText(scopes[i], 'dropped', String(room.dropped));
      showFlood(scopes[i], room.flood);
      var last = scopes[i].querySelector('[data-field="last"]');
      if (last && room.last) {
        last.textContent = '';
        last.appendChild(timeElement(room.last, 'last'));
      }
    }
  }
  function insert(html) {
    if (!feed) return;
    var template = document.createElement('template');
    template.innerHTML = html;
    var item = template.content.firstElementChild;
    if (!item || document.getElementById(item.id)) return;
    localize(item);
    item.classList.add('n-new');
    feed.insertBefore(item, feed.firstChild);
    while (feed.children.length > pageSize) feed.removeChild(feed.lastElementChild);
    var empty = document.getElementById('empty');
    if (empty) empty.remove();
  }
  function connect() {
    var source = new EventSource(events + '?after=' + lastSeq);
    source.addEventListener('open', function () {
      retryMs = 1000;
      setLive('on', 'live', 'New notifications appear as they arrive');
    });
    source.addEventListener('hello', function (e) {
      var hello = JSON.parse(e.data);
      // Another server (or a restart without a data folder): this page's view no longer holds.
      if (hello.instance !== instance) location.reload();
    });
    source.addEventListener('notification', function (e) {
      var data = JSON.parse(e.data);
      lastSeq = Math.max(lastSeq, data.seq);
      insert(data.html);
    });
    source.addEventListener('rooms', function (e) {
      JSON.parse(e.data).rooms.forEach(showRoom);
    });
    source.addEventListener('clear', function () {
      location.reload();
    });
    source.addEventListener('error', function () {
      if (source.readyState === 2) {
        // Closed for good (the server refused the stream): try again later, from what we have.
        source.close();
        setLive('wait', 'reconnecting', 'Lost the server; trying again');
        setTimeout(connect, retryMs);
        retryMs = Math.min(retryMs * 2, 30000);
      } else {
        setLive('wait', 'reconnecting', 'Lost the server; trying again');
      }
    });
  }
  localize(document);
  // Flood-control windows refill on their own: show it when their reset time has passed.
  setInterval(function () {
    var now = Date.now() / 1000;
    Object.keys(known).forEach(function (id) {
      var room = known[id];
      if (room.flood && now >= room.flood.reset && room.flood.remaining < room.flood.limit) {
        room.flood = { limit: room.flood.limit, remaining: room.flood.limit, reset: room.flood.reset };
        showRoom(room);
      }
    });
  }, 1000);
  if (events && typeof EventSource !== 'undefined') connect();
})();
`;

const FAVICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><path d="M6 5h20a4 4 0 0 1 4 4v11a4 4 0 0 1-4 4h-9l-7 5v-5H6a4 4 0 0 1-4-4V9a4 4 0 0 1 4-4z" fill="#205081"/><circle cx="11" cy="14.5" r="2" fill="#fff"/><circle cx="16" cy="14.5" r="2" fill="#fff"/><circle cx="21" cy="14.5" r="2" fill="#fff"/></svg>\n';

export interface Asset {
  type: string;
  body: string;
  etag: string;
}

function asset(type: string, body: string): Asset {
  return { type, body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"` };
}

export const ASSETS: Readonly<Record<string, Asset>> = {
  'style.css': asset('text/css; charset=utf-8', STYLE.trimStart()),
  'live.js': asset('text/javascript; charset=utf-8', LIVE),
  'favicon.svg': asset('image/svg+xml', FAVICON),
};
