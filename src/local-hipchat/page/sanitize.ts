// What the page shows of a message is built here, and only here.
//
// `html` messages are cleaned with a strict allowlist, HipChat's own tag set (a, b, i, strong, em, br, img,
// pre, code, lists, tables). The cleaner never passes input through: it tokenizes the input and writes new
// markup from scratch, so the only markup in its output is tags it chose to write, with attributes it
// checked and re-escaped, and everything else becomes escaped text. A tokenizer that reads some odd
// input differently from a browser can therefore only change which text is shown, never let markup in.
// Tags are balanced (every open tag is closed, in order), so a message cannot close or open elements of
// the page around it. URLs are parsed with the WHATWG parser, as browsers do, kept only if http(s), and
// written in the parser's normalized form, so the browser follows exactly the URL that was checked.
// (A library such as sanitize-html would bring htmlparser2 and postcss for what this allowlist needs; the
// write-from-scratch design is what makes a small cleaner safe. The page's CSP is the second fence.)

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML content and double- or single-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** An absolute http(s) URL in normalized form, or undefined. */
export function safeHttpUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    const url = new URL(value.trim());
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

const LINK_ATTRS = 'rel="noopener noreferrer nofollow" target="_blank"';

/** A link to an already checked URL. */
export function link(href: string, innerHtml: string): string {
  return `<a href="${escapeHtml(href)}" ${LINK_ATTRS}>${innerHtml}</a>`;
}

// Stops before trailing punctuation that usually ends a sentence rather than a URL.
const URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"'`]+[^\s<>"'`.,;:!?)\]}]/gi;

/** `text` messages: everything escaped, http(s) URLs made clickable, line breaks kept (by CSS). */
export function renderText(text: string): string {
  let out = '';
  let last = 0;
  for (const match of text.matchAll(URL_IN_TEXT)) {
    const at = match.index;
    const href = safeHttpUrl(match[0]);
    if (href === undefined) continue;
    out += escapeHtml(text.slice(last, at)) + link(href, escapeHtml(match[0]));
    last = at + match[0].length;
  }
  return out + escapeHtml(text.slice(last));
}

// Allowed elements and their attributes. Void elements have no closing tag.
const ALLOWED: Record<string, readonly string[]> = {
  a: ['href', 'title'],
  b: [],
  i: [],
  strong: [],
  em: [],
  br: [],
  img: ['src', 'alt', 'title', 'width', 'height'],
  pre: [],
  code: [],
  ul: [],
  ol: [],
  li: [],
  table: [],
  caption: [],
  thead: [],
  tbody: [],
  tfoot: [],
  tr: [],
  th: ['colspan', 'rowspan'],
  td: ['colspan', 'rowspan'],
};
const VOID = new Set(['br', 'img']);
// Where an element may be opened (the element on top of the stack), so that lists and tables come out
// well formed and the browser never has to move content around.
const PARENTS: Record<string, readonly string[]> = {
  li: ['ul', 'ol'],
  caption: ['table'],
  thead: ['table'],
  tbody: ['table'],
  tfoot: ['table'],
  tr: ['table', 'thead', 'tbody', 'tfoot'],
  th: ['tr'],
  td: ['tr'],
};
// Inside these only the listed children are written; stray text is dropped (it would be shown outside).
const TABLE_CONTEXT = new Set(['table', 'thead', 'tbody', 'tfoot', 'tr', 'ul', 'ol']);
// Their content is not text to show: dropped with the element.
const DROP_CONTENT = new Set([
  'script',
  'style',
  'template',
  'textarea',
  'title',
  'xmp',
  'iframe',
  'noembed',
  'noframes',
  'noscript',
  'object',
  'select',
  'svg',
  'math',
]);
const MAX_DEPTH = 32;
const CHARACTER_REFERENCE = /^&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});/;
// Just enough entities to read URLs and numbers in attribute values; anything else stays literal (and is
// then written escaped, so the browser sees the same literal text that was checked).
const ATTRIBUTE_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

function decodeAttribute(value: string): string {
  return value.replace(/&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z]+);/g, (whole, ref: string) => {
    if (ref.startsWith('#')) {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : '\ufffd';
    }
    return ATTRIBUTE_ENTITIES[ref.toLowerCase()] ?? whole;
  });
}

/** Text of an html message: character references kept (they are text to a browser), anything else escaped. */
function escapeHtmlText(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '&') {
      const ref = CHARACTER_REFERENCE.exec(text.slice(i, i + 40));
      if (ref !== null) {
        out += ref[0];
        i += ref[0].length - 1;
        continue;
      }
    }
    out += ESCAPES[c] ?? c;
  }
  return out;
}

function cleanAttribute(tag: string, name: string, raw: string): string | undefined {
  const value = decodeAttribute(raw);
  if (name === 'href' || name === 'src') return safeHttpUrl(value);
  if (name === 'width' || name === 'height' || name === 'colspan' || name === 'rowspan') {
    return /^\s*\d{1,4}\s*$/.test(value) ? String(Number(value)) : undefined;
  }
  // title and alt: plain text, bounded.
  return tag === 'img' || tag === 'a' ? value.slice(0, 500) : undefined;
}

interface Tag {
  name: string;
  end: boolean;
  attributes: [string, string][];
  next: number; // index after the tag
}

const NAME_CHAR = /[^\s/>]/;

/** Reads a tag starting at text[at] === '<', or returns undefined if it is not one. */
function readTag(text: string, at: number): Tag | undefined {
  let i = at + 1;
  const end = text[i] === '/';
  if (end) i++;
  if (!/[A-Za-z]/.test(text[i] ?? '')) return undefined;
  let name = '';
  while (i < text.length && NAME_CHAR.test(text[i] as string)) name += text[i++];
  const attributes: [string, string][] = [];
  for (;;) {
    while (i < text.length && /[\s/]/.test(text[i] as string)) i++;
    if (i >= text.length) return { name: name.toLowerCase(), end, attributes, next: text.length };
    if (text[i] === '>') return { name: name.toLowerCase(), end, attributes, next: i + 1 };
    let attr = text[i++] as string; // the first character may be '=' (a parse error browsers accept)
    while (i < text.length && /[^\s/>=]/.test(text[i] as string)) attr += text[i++];
    while (i < text.length && /\s/.test(text[i] as string)) i++;
    let value = '';
    if (text[i] === '=') {
      i++;
      while (i < text.length && /\s/.test(text[i] as string)) i++;
      const q = text[i];
      if (q === '"' || q === "'") {
        const close = text.indexOf(q, i + 1);
        value = text.slice(i + 1, close === -1 ? text.length : close);
        i = close === -1 ? text.length : close + 1;
      } else {
        while (i < text.length && /[^\s>]/.test(text[i] as string)) value += text[i++];
      }
    }
    attributes.push([attr.toLowerCase(), value]);
  }
}

/** Skips past `</name ...>` (case-insensitive) from `from`; the end of the text if there is none. */
function skipPastEndTag(text: string, from: number, name: string): number {
  const pattern = new RegExp(`</${name}[\\s/>]`, 'ig');
  pattern.lastIndex = from;
  const match = pattern.exec(text);
  if (match === null) return text.length;
  const close = text.indexOf('>', match.index);
  return close === -1 ? text.length : close + 1;
}

/** Cleans an `html` message (or card description) to the allowlist; see the top of this file. */
export function sanitizeHtml(html: string): string {
  let out = '';
  const stack: string[] = [];
  const top = (): string | undefined => stack[stack.length - 1];
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    const textEnd = lt === -1 ? html.length : lt;
    if (textEnd > i) {
      if (!TABLE_CONTEXT.has(top() ?? '')) out += escapeHtmlText(html.slice(i, textEnd));
      i = textEnd;
      if (lt === -1) break;
    }
    // Comments, doctypes, processing instructions: dropped.
    if (html.startsWith('<!--', i)) {
      const close = html.indexOf('-->', i + 4);
      i = close === -1 ? html.length : close + 3;
      continue;
    }
    if (html[i + 1] === '!' || html[i + 1] === '?') {
      const close = html.indexOf('>', i);
      i = close === -1 ? html.length : close + 1;
      continue;
    }
    const tag = readTag(html, i);
    if (tag === undefined) {
      if (!TABLE_CONTEXT.has(top() ?? '')) out += '&lt;';
      i++;
      continue;
    }
    i = tag.next;
    if (tag.end) {
      const at = stack.lastIndexOf(tag.name);
      if (at !== -1) while (stack.length > at) out += `</${stack.pop()}>`;
      continue;
    }
    if (DROP_CONTENT.has(tag.name)) {
      i = skipPastEndTag(html, i, tag.name);
      continue;
    }
    const allowed = ALLOWED[tag.name];
    if (allowed === undefined) continue; // unknown tag: dropped, its content kept
    const parents = PARENTS[tag.name];
    if (parents !== undefined ? !parents.includes(top() ?? '') : TABLE_CONTEXT.has(top() ?? '')) continue;
    if (tag.name === 'a' && stack.includes('a')) continue; // links do not nest
    if (!VOID.has(tag.name) && stack.length >= MAX_DEPTH) continue;
    let attributes = '';
    let hasSrc = false;
    const seen = new Set<string>();
    for (const [name, raw] of tag.attributes) {
      if (!allowed.includes(name) || seen.has(name)) continue; // browsers use the first of duplicates
      seen.add(name);
      const value = cleanAttribute(tag.name, name, raw);
      if (value === undefined) continue;
      attributes += ` ${name}="${escapeHtml(value)}"`;
      hasSrc ||= name === 'src';
    }
    if (tag.name === 'img') {
      if (!hasSrc) continue; // no usable image: nothing to show
      out += `<img${attributes} loading="lazy" referrerpolicy="no-referrer">`;
      continue;
    }
    if (tag.name === 'a') attributes += ` ${LINK_ATTRS}`;
    out += `<${tag.name}${attributes}>`;
    if (!VOID.has(tag.name)) stack.push(tag.name);
  }
  while (stack.length > 0) out += `</${stack.pop()}>`;
  return out;
}
