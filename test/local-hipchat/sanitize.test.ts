// What the page shows of a message: text escaped and linkified, html cleaned to HipChat's allowlist.
import { describe, expect, it } from 'vitest';
import { escapeHtml, renderText, sanitizeHtml } from '../../src/local-hipchat/index.js';
import { renderItem } from '../../src/local-hipchat/page/render.js';
import type { StoredNotification } from '../../src/local-hipchat/index.js';

describe('renderText', () => {
  it('escapes everything and links http(s) URLs only', () => {
    expect(renderText('<b>hi</b> & "you"')).toBe('&lt;b&gt;hi&lt;/b&gt; &amp; &quot;you&quot;');
    expect(renderText('see https://ci.test/b/42.')).toBe(
      'see <a href="https://ci.test/b/42" rel="noopener noreferrer nofollow" target="_blank">https://ci.test/b/42</a>.',
    );
    expect(renderText('javascript:alert(1) ftp://x.test/a data:text/html,hi')).toBe('javascript:alert(1) ftp://x.test/a data:text/html,hi');
    expect(renderText('(http://a.test/x?q=1&r=2)')).toBe(
      '(<a href="http://a.test/x?q=1&amp;r=2" rel="noopener noreferrer nofollow" target="_blank">http://a.test/x?q=1&amp;r=2</a>)',
    );
    expect(renderText('http://x.test/"onmouseover="alert(1)')).toContain('href="http://x.test/"');
  });
});

describe('sanitizeHtml', () => {
  const cases: [string, string, string][] = [
    [
      'keeps the allowed tags',
      '<b>b</b><i>i</i><strong>s</strong><em>e</em><code>c</code><br>',
      '<b>b</b><i>i</i><strong>s</strong><em>e</em><code>c</code><br>',
    ],
    [
      'keeps lists and tables',
      '<ul><li>a</li></ul><ol><li>b</li></ol><table><tr><th>h</th><td colspan="2">d</td></tr></table>',
      '<ul><li>a</li></ul><ol><li>b</li></ol><table><tr><th>h</th><td colspan="2">d</td></tr></table>',
    ],
    ['keeps pre', '<pre>a  b\n</pre>', '<pre>a  b\n</pre>'],
    ['drops script and its content', 'a<script>window.pwned=1</script>b', 'ab'],
    ['drops uppercase script', 'a<SCRIPT src="https://x.test/x.js"></SCRIPT>b', 'ab'],
    ['drops an unclosed script to the end', 'a<script>alert(1)', 'a'],
    ['drops style elements', '<style>body{display:none}</style>x', 'x'],
    ['drops an img whose src is not http(s)', '<img src=x onerror="window.pwned=1">', ''],
    ['drops event handlers and style on kept tags', '<b onclick="alert(1)" style="color:red">x</b>', '<b>x</b>'],
    [
      'keeps a checked image',
      '<img src="https://x.test/a.png" alt="A" onerror="alert(1)" width="20">',
      '<img src="https://x.test/a.png" alt="A" width="20" loading="lazy" referrerpolicy="no-referrer">',
    ],
    ['drops javascript: links', '<a href="javascript:alert(1)">x</a>', '<a rel="noopener noreferrer nofollow" target="_blank">x</a>'],
    [
      'drops entity-encoded javascript:',
      '<a href="&#106;avascript:alert(1)">x</a>',
      '<a rel="noopener noreferrer nofollow" target="_blank">x</a>',
    ],
    ['drops javascript&colon;', '<a href="javascript&colon;alert(1)">x</a>', '<a rel="noopener noreferrer nofollow" target="_blank">x</a>'],
    [
      'drops whitespace-padded javascript:',
      '<a href=" \tjavascript:alert(1)">x</a>',
      '<a rel="noopener noreferrer nofollow" target="_blank">x</a>',
    ],
    [
      'drops data: links',
      '<a href="data:text/html,<script>alert(1)</script>">x</a>',
      '<a rel="noopener noreferrer nofollow" target="_blank">x</a>',
    ],
    [
      'normalizes kept links',
      '<a href="https://x.test/a b?c=1&amp;d=2">x</a>',
      '<a href="https://x.test/a%20b?c=1&amp;d=2" rel="noopener noreferrer nofollow" target="_blank">x</a>',
    ],
    ['drops svg with its handlers', '<svg onload="alert(1)"><circle/></svg>ok', 'ok'],
    ['drops iframes and objects', '<iframe src="https://x.test"></iframe><object data="x"></object>ok', 'ok'],
    ['drops unknown tags, keeps their text', '<div class="x"><span>t</span></div><p>p</p>', 'tp'],
    ['drops comments and doctypes', '<!-- <script>alert(1)</script> --><!doctype html>x', 'x'],
    ['closes what is left open, in order', '<b><i>x', '<b><i>x</i></b>'],
    ['closes across misnesting', '<b><i>x</b>y</i>', '<b><i>x</i></b>y'],
    ['ignores stray end tags', '</table></div></b>x', 'x'],
    [
      'does not nest links',
      '<a href="https://a.test/">a<a href="https://b.test/">b</a></a>',
      '<a href="https://a.test/" rel="noopener noreferrer nofollow" target="_blank">ab</a>',
    ],
    ['keeps table cells inside rows only', '<td>x</td><tr>y</tr>', 'xy'],
    ['drops text directly inside a table', '<table>stray<tr><td>c</td></tr></table>', '<table><tr><td>c</td></tr></table>'],
    ['escapes a lone <', '1 < 2 and a<>b', '1 &lt; 2 and a&lt;&gt;b'],
    ['keeps character references', '&lt;script&gt; &amp; &#169; &#x263A;', '&lt;script&gt; &amp; &#169; &#x263A;'],
    ['escapes a bare &', 'R&D &', 'R&amp;D &amp;'],
    [
      'escapes quotes in attributes',
      '<img src="https://x.test/a.png" alt="&quot;><script>alert(1)</script>">',
      '<img src="https://x.test/a.png" alt="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" loading="lazy" referrerpolicy="no-referrer">',
    ],
    [
      'reads unquoted and odd attributes',
      '<img/src=https://x.test/a.png/onerror=alert(1)>',
      '<img src="https://x.test/a.png/onerror=alert(1)" loading="lazy" referrerpolicy="no-referrer">',
    ],
    [
      'keeps only numeric sizes',
      '<img src="https://x.test/a.png" width="100%" height="12">',
      '<img src="https://x.test/a.png" height="12" loading="lazy" referrerpolicy="no-referrer">',
    ],
  ];
  it.each(cases)('%s', (_name, input, output) => {
    expect(sanitizeHtml(input)).toBe(output);
  });

  it('never lets markup through, whatever the input', () => {
    const nasty = [
      '<',
      '>',
      '"',
      "'",
      '=',
      '/',
      '<script>',
      '<img',
      ' src=x',
      ' onerror=',
      '<!--',
      '-->',
      '&',
      '#',
      'javascript:',
      '<a',
      '</',
      'b',
      '\n',
      '<svg',
    ];
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let n = 0; n < 2000; n++) {
      let input = '';
      for (let i = 0; i < 12; i++) input += nasty[Math.floor(random() * nasty.length)];
      const out = sanitizeHtml(input);
      // Every tag in the output is one the cleaner writes, with only its attributes.
      for (const tag of out.match(/<[^>]*>/g) ?? []) {
        expect(tag).toMatch(
          /^<\/?(a|b|i|strong|em|br|img|pre|code|ul|ol|li|table|caption|thead|tbody|tfoot|tr|th|td)( (href|src|alt|title|width|height|colspan|rowspan|rel|target|loading|referrerpolicy)="[^"<>]*")*>$/,
        );
      }
      expect(out).not.toMatch(/(href|src)="(?!https?:)/); // and any URL in it is http(s)
    }
  });
});

describe('renderItem', () => {
  const base: StoredNotification = {
    seq: 9,
    id: 'id',
    roomId: 1,
    room: 'ops',
    date: '2026-01-02T03:04:05.000+00:00',
    type: 'notification',
    message: 'x',
    message_format: 'text',
    color: 'red',
    from: '<CI>',
    notify: true,
  };

  it('shows colour, from, time and the message, escaped', () => {
    const html = renderItem({ ...base, message: '<b>not bold</b>' }, Date.parse('2026-01-02T12:00:00Z'));
    expect(html).toContain('class="n n-red" id="n-9" data-seq="9"');
    expect(html).toContain('<span class="n-from">&lt;CI&gt;</span>');
    expect(html).toContain('<time class="n-time" datetime="2026-01-02T03:04:05.000Z">03:04:05 UTC</time>');
    expect(html).toContain('<div class="n-msg n-text">&lt;b&gt;not bold&lt;/b&gt;</div>');
    expect(html).toContain('notify');
  });

  it('renders a card with its parts, escaped and checked', () => {
    const html = renderItem({
      ...base,
      card: {
        style: 'application',
        title: 'Build <42>',
        url: 'https://ci.test/42',
        description: { value: '<i>ok</i><script>x</script>', format: 'html' },
        thumbnail: { url: 'https://ci.test/t.png', width: 64, height: 64 },
        attributes: [{ label: 'State', value: { label: 'passed', style: 'lozenge-success', url: 'javascript:alert(1)' } }],
      },
    });
    expect(html).toContain('<img class="card-thumb" src="https://ci.test/t.png" alt="" width="64" height="64"');
    expect(html).toContain('<a href="https://ci.test/42" rel="noopener noreferrer nofollow" target="_blank">Build &lt;42&gt;</a>');
    expect(html).toContain('<div class="card-desc"><i>ok</i></div>');
    expect(html).toContain('<dt>State</dt><dd><span class="lozenge lozenge-success">passed</span></dd>');
    expect(html).not.toContain('javascript');
    expect(escapeHtml(`'`)).toBe('&#39;');
  });
});
