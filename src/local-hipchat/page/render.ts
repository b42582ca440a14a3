// The page, rendered on the server: it reads the same with JavaScript off, and live.js only adds what
// arrives later (the same fragments, sent by the event stream). Everything user-supplied goes through
// sanitize.ts; nothing here ever sees a token.
import type { RoomSummary } from '../core.js';
import { formatChaos, type ChaosRule } from '../chaos.js';
import { formatLimit, type WindowLimit, type WindowState } from '../limits.js';
import type { Room, StoredNotification } from '../store.js';
import { isShownColor, type Card, type CardIcon } from '../validation.js';
import { escapeHtml, link, renderText, safeHttpUrl, sanitizeHtml } from './sanitize.js';

export interface PageContext {
  baseUrl: string;
  instance: string;
  rooms: RoomSummary[];
  tokenLimit: WindowLimit | undefined;
  floodLimit: WindowLimit | undefined;
  chaos: readonly ChaosRule[];
  max: number;
  lastSeq: number;
  now: number;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** `12:34:56 UTC`, with the date in front when it is not today's (UTC); live.js shows local time. */
export function formatTime(iso: string, now: number): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  const day = d.toISOString().slice(0, 10);
  return `${day === new Date(now).toISOString().slice(0, 10) ? '' : `${day} `}${time} UTC`;
}

function timeTag(iso: string, now: number, className: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return `<time class="${className}" datetime="${escapeHtml(d.toISOString())}">${escapeHtml(formatTime(iso, now))}</time>`;
}

/** The same text live.js writes from a room summary. */
export function floodText(flood: WindowState | undefined): string {
  return flood === undefined ? 'off' : `${flood.remaining} of ${flood.limit} left`;
}

function floodTag(flood: WindowState | undefined, now: number): string {
  if (flood === undefined) return '<span data-field="flood">off</span>';
  const title = `window resets at ${formatTime(new Date(flood.reset * 1000).toISOString(), now)}`;
  const low = flood.remaining === 0 ? ' flood-out' : flood.remaining <= flood.limit / 5 ? ' flood-low' : '';
  return `<span class="flood${low}" data-field="flood" data-limit="${flood.limit}" data-remaining="${flood.remaining}" data-reset="${flood.reset}" title="${escapeHtml(title)}">${escapeHtml(floodText(flood))}</span>`;
}

function iconUrl(icon: string | CardIcon | undefined): string | undefined {
  return safeHttpUrl(typeof icon === 'string' ? icon : icon?.url);
}

const LOZENGES = new Set(['lozenge-success', 'lozenge-error', 'lozenge-current', 'lozenge-complete', 'lozenge-moved', 'lozenge']);

function renderCard(card: Card): string {
  const style = ['file', 'image', 'application', 'link', 'media'].includes(card.style) ? card.style : 'link';
  const url = safeHttpUrl(card.url);
  const icon = iconUrl(card.icon);
  const title = escapeHtml(card.title);
  let out = `<div class="card card-${style}${card.format === 'compact' ? ' card-compact' : ''}">`;
  const thumb = safeHttpUrl(card.thumbnail?.url);
  if (thumb !== undefined) {
    const size = (n: number | undefined, name: string): string =>
      Number.isSafeInteger(n) && (n as number) > 0 ? ` ${name}="${Math.min(n as number, 4096)}"` : '';
    out += `<img class="card-thumb" src="${escapeHtml(thumb)}" alt=""${size(card.thumbnail?.width, 'width')}${size(card.thumbnail?.height, 'height')} loading="lazy" referrerpolicy="no-referrer">`;
  }
  out += '<div class="card-body"><div class="card-title">';
  if (icon !== undefined) out += `<img class="card-icon" src="${escapeHtml(icon)}" alt="" referrerpolicy="no-referrer">`;
  out += `${url === undefined ? `<span>${title}</span>` : link(url, title)}</div>`;
  const description = card.description;
  if (description !== undefined) {
    const html =
      typeof description === 'string'
        ? renderText(description)
        : description.format === 'html'
          ? sanitizeHtml(description.value)
          : renderText(description.value);
    out += `<div class="card-desc">${html}</div>`;
  }
  if (card.activity !== undefined) {
    const activityIcon = iconUrl(card.activity.icon);
    out += `<div class="card-activity">${activityIcon === undefined ? '' : `<img class="card-icon" src="${escapeHtml(activityIcon)}" alt="" referrerpolicy="no-referrer">`}${sanitizeHtml(card.activity.html)}</div>`;
  }
  if (card.attributes !== undefined && card.attributes.length > 0) {
    out += '<dl class="card-attrs">';
    for (const attribute of card.attributes) {
      const value = attribute.value;
      const lozenge = value.style !== undefined && LOZENGES.has(value.style) ? value.style : undefined;
      const valueIcon = iconUrl(value.icon);
      let shown = escapeHtml(value.label);
      if (lozenge !== undefined) shown = `<span class="lozenge ${lozenge}">${shown}</span>`;
      const href = safeHttpUrl(value.url);
      if (href !== undefined) shown = link(href, shown);
      if (valueIcon !== undefined)
        shown = `<img class="card-icon" src="${escapeHtml(valueIcon)}" alt="" referrerpolicy="no-referrer">${shown}`;
      out += `<div class="card-attr">${attribute.label === undefined ? '' : `<dt>${escapeHtml(attribute.label)}</dt>`}<dd>${shown}</dd></div>`;
    }
    out += '</dl>';
  }
  return `${out}</div></div>`;
}

/** One notification as a feed item; the event stream sends exactly this fragment. */
export function renderItem(item: StoredNotification, now = Date.now()): string {
  const color = isShownColor(item.color) ? item.color : 'yellow'; // never markup, even from a doctored data file
  const kind = item.type === 'message' ? 'n-message' : `n-${color}`;
  const from = item.from === '' ? 'Notification' : item.from;
  const body =
    item.message_format === 'text'
      ? `<div class="n-msg n-text">${renderText(item.message)}</div>`
      : `<div class="n-msg n-html">${sanitizeHtml(item.message)}</div>`;
  const notify = item.notify ? '<span class="n-notify" title="sent with notify: true">notify</span>' : '';
  const colour = item.type === 'message' ? '' : `<span class="n-colour">colour: ${color}</span>`;
  return (
    `<li class="n ${kind}" id="n-${item.seq}" data-seq="${item.seq}"><span class="n-bar" aria-hidden="true"></span><div class="n-main">` +
    `<div class="n-meta"><span class="n-from">${escapeHtml(from)}</span>${colour}${notify}${timeTag(item.date, now, 'n-time')}</div>` +
    `${body}${item.card === undefined ? '' : renderCard(item.card)}</div></li>`
  );
}

const LOGO =
  '<svg class="logo" viewBox="0 0 32 32" aria-hidden="true"><path d="M6 5h20a4 4 0 0 1 4 4v11a4 4 0 0 1-4 4h-9l-7 5v-5H6a4 4 0 0 1-4-4V9a4 4 0 0 1 4-4z" fill="currentColor"/><circle cx="11" cy="14.5" r="2" fill="#205081"/><circle cx="16" cy="14.5" r="2" fill="#205081"/><circle cx="21" cy="14.5" r="2" fill="#205081"/></svg>';

function layout(title: string, bodyAttributes: Record<string, string>, main: string, aside: string): string {
  const attributes = Object.entries(bodyAttributes)
    .map(([k, v]) => ` ${k}="${escapeHtml(v)}"`)
    .join('');
  return (
    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<title>${escapeHtml(title)}</title>` +
    '<link rel="stylesheet" href="/assets/style.css"><link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">' +
    '<script src="/assets/live.js" defer></script></head>' +
    `<body${attributes}><header class="topbar"><a class="brand" href="/">${LOGO}<span>Local HipChat</span></a>` +
    '<span class="live live-off" id="live" title="Reload the page to see new notifications">static page</span></header>' +
    `<div class="layout"><aside class="sidebar">${aside}</aside><main class="content">${main}</main></div></body></html>\n`
  );
}

function roomList(rooms: RoomSummary[], current: number | undefined): string {
  const sorted = [...rooms].sort((a, b) => a.name.localeCompare(b.name) || a.id - b.id);
  const items = sorted
    .map(
      (r) =>
        `<li data-room-id="${r.id}"${r.id === current ? ' class="current"' : ''}><a href="/rooms/${r.id}"><span class="hash">#</span><span class="room-name">${escapeHtml(r.name)}</span>` +
        `<span class="count" data-field="retained">${r.retained}</span></a></li>`,
    )
    .join('');
  return `<h2>Rooms</h2><ul class="room-list" id="room-list">${items}</ul>${rooms.length === 0 ? '<p class="muted" id="no-rooms">No rooms yet.</p>' : ''}`;
}

function serverFacts(ctx: PageContext): string {
  const chaos = formatChaos(ctx.chaos);
  return (
    '<h2>This server</h2><dl class="facts">' +
    `<dt>API</dt><dd><code>${escapeHtml(`${ctx.baseUrl}/v2`)}</code></dd>` +
    `<dt>Flood control</dt><dd>${escapeHtml(formatLimit(ctx.floodLimit))} per room</dd>` +
    `<dt>Rate limit</dt><dd>${escapeHtml(formatLimit(ctx.tokenLimit))} per token</dd>` +
    `<dt>Retention</dt><dd>${ctx.max} per room</dd>` +
    `<dt>Chaos</dt><dd${chaos === 'off' ? '' : ' class="chaos-on"'}>${escapeHtml(chaos)}</dd></dl>`
  );
}

export function renderIndex(ctx: PageContext): string {
  const rows = [...ctx.rooms]
    .sort((a, b) => a.name.localeCompare(b.name) || a.id - b.id)
    .map(
      (r) =>
        `<tr data-room-id="${r.id}"><td><a href="/rooms/${r.id}"><span class="hash">#</span><span class="room-name">${escapeHtml(r.name)}</span></a></td>` +
        `<td class="num" data-field="retained">${r.retained}</td><td class="num" data-field="dropped">${r.dropped}</td>` +
        `<td data-field="last">${r.last === undefined ? '—' : timeTag(r.last, ctx.now, 'last')}</td><td>${floodTag(r.flood, ctx.now)}</td></tr>`,
    )
    .join('');
  const example = `curl -X POST -H "Authorization: Bearer $HIPCHAT_TOKEN" -H 'Content-Type: application/json' \\\n  -d '{"message": "Hello", "color": "green"}' ${ctx.baseUrl}/v2/room/ops/notification`;
  const main =
    '<div class="room-head"><h1>Rooms</h1><p class="room-stats">Each room shows its notifications as HipChat did, newest first.</p></div>' +
    `<table class="rooms" id="rooms-table"><thead><tr><th>Room</th><th class="num">Retained</th><th class="num">Dropped</th><th>Last</th><th>Flood control</th></tr></thead><tbody>${rows}</tbody></table>` +
    (ctx.rooms.length === 0
      ? `<div class="empty" id="empty"><p>No notifications yet. Send one:</p><pre>${escapeHtml(example)}</pre></div>`
      : '');
  return layout(
    'Local HipChat',
    { 'data-page': 'index', 'data-instance': ctx.instance, 'data-events': '/events', 'data-last-seq': String(ctx.lastSeq) },
    main,
    serverFacts(ctx),
  );
}

export interface RoomPage {
  room: Room;
  summary: RoomSummary;
  items: StoredNotification[]; // newest first
  older: number | undefined; // `before` for the next older page
  paged: boolean; // an older page (not live)
  pageSize: number;
}

export function renderRoom(ctx: PageContext, page: RoomPage): string {
  const { room, summary } = page;
  const items = page.items.map((i) => renderItem(i, ctx.now)).join('');
  const stats =
    `<p class="room-stats" data-room-id="${room.id}"><span data-field="retained">${summary.retained}</span> retained · ` +
    `<span data-field="dropped">${summary.dropped}</span> dropped (retention keeps ${ctx.max}) · flood control ${floodTag(summary.flood, ctx.now)}</p>`;
  const nav =
    (page.older === undefined ? '' : `<a class="older" href="/rooms/${room.id}?before=${page.older}">Older notifications</a>`) +
    (page.paged ? `<a class="older" href="/rooms/${room.id}">Newest notifications</a>` : '');
  const main =
    `<div class="room-head"><h1><span class="hash">#</span>${escapeHtml(room.name)}</h1>${stats}</div>` +
    `<ol class="feed" id="feed">${items}</ol>` +
    (page.items.length === 0 ? '<p class="empty" id="empty">No notifications in this room yet.</p>' : '') +
    (nav === '' ? '' : `<nav class="pager">${nav}</nav>`);
  const attributes: Record<string, string> = {
    'data-page': 'room',
    'data-instance': ctx.instance,
    'data-room': String(room.id),
    'data-last-seq': String(ctx.lastSeq),
    'data-page-size': String(page.pageSize),
  };
  // An older page stays as it is; only the newest page follows the room live.
  if (!page.paged) attributes['data-events'] = `/rooms/${room.id}/events`;
  return layout(`#${room.name} – Local HipChat`, attributes, main, roomList(ctx.rooms, room.id));
}

export function renderNotFound(what: string): string {
  const main = `<div class="room-head"><h1>Not found</h1><p class="room-stats">${escapeHtml(what)}</p></div><p><a href="/">All rooms</a></p>`;
  return layout('Not found – Local HipChat', { 'data-page': 'error' }, main, '');
}
