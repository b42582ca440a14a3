// The page: server-rendered HTML and its event stream over plain HTTP, then the real thing in Debian's
// chromium (driven by playwright-core): live updates of what the CLI sends, colours, no script from
// messages, JavaScript off.
import { existsSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, type LocalHipChat } from '../../src/local-hipchat/index.js';
import { createSandbox } from '../support/cli.js';
import { writeConfig } from '../support/reliability.js';
import { closeLater, get, send, server, tempDir, TEST_TOKEN } from './support.js';

// Chromium's headless shell (Debian's chromium-headless-shell; what Playwright itself runs headless): the same
// engine as the browser, in about half its CPU time for this file.
const CHROMIUM = '/usr/bin/chromium-headless-shell';
const HAVE_CHROMIUM = existsSync(CHROMIUM);

/** Reads an event stream until `until` matches what arrived (or 5 s pass), then hangs up. */
function readStream(
  url: string,
  until: RegExp,
  headers: Record<string, string> = {},
): Promise<{ status: number; type: string; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, agent: false }, (res) => {
      let text = '';
      const done = () => {
        clearTimeout(timer);
        req.destroy();
        resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), text });
      };
      const timer = setTimeout(done, 5000);
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        if (until.test(text)) done();
      });
      res.on('end', done);
    });
    req.on('error', reject);
  });
}

describe('the page over HTTP', () => {
  it('is served with a strict CSP and no token anywhere, and reads without a token', async () => {
    const s = await server();
    await send(s, { message: 'hello <b>there</b>', color: 'purple', from: 'CI' });
    for (const target of ['/', '/rooms/ops', '/rooms/1']) {
      const r = await get(s, target, null);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(r.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      expect(r.headers.get('x-frame-options')).toBe('DENY');
      expect(r.text).not.toContain(TEST_TOKEN);
      expect(r.text).not.toMatch(/<script>|<script [^>]*>[^<]|style="/); // no inline script or style
    }
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    const room = await get(s, '/rooms/ops', null);
    expect(room.text).toContain('<li class="n n-purple" id="n-1" data-seq="1">');
    expect(room.text).toContain('<div class="n-msg n-html">hello <b>there</b></div>');
    expect((await get(s, '/rooms/nope', null)).status).toBe(404);
    expect((await get(s, '/nothing/here', null)).status).toBe(404);
    expect((await send(s, {}, { path: '/rooms/ops', token: null })).status).toBe(405);
  });

  it('serves its script and stylesheet from this origin, with ETags', async () => {
    const s = await server();
    const js = await fetch(`${s.url}/assets/live.js`);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const etag = js.headers.get('etag') as string;
    expect((await js.text()).length).toBeGreaterThan(1000);
    expect((await fetch(`${s.url}/assets/live.js`, { headers: { 'If-None-Match': etag } })).status).toBe(304);
    expect((await fetch(`${s.url}/assets/style.css`)).headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect((await fetch(`${s.url}/assets/favicon.svg`)).status).toBe(200);
    expect((await fetch(`${s.url}/assets/../server.ts`)).status).toBe(404);
  });

  it('shows older notifications on pages of pageSize', async () => {
    const s = await server({ pageSize: 2 });
    for (let i = 1; i <= 5; i++) await send(s, { message: `m${i}` });
    const first = (await get(s, '/rooms/ops', null)).text;
    expect([...first.matchAll(/data-seq="(\d+)"/g)].map((m) => m[1])).toEqual(['5', '4']);
    expect(first).toContain('href="/rooms/1?before=4"');
    const older = (await get(s, '/rooms/ops?before=4', null)).text;
    expect([...older.matchAll(/data-seq="(\d+)"/g)].map((m) => m[1])).toEqual(['3', '2']);
    expect(older).not.toContain('data-events='); // an older page does not follow the room live
  });

  it("streams a room's new notifications as server-sent events, resuming after Last-Event-ID", async () => {
    const s = await server();
    await send(s, { message: 'one' });
    await send(s, { message: 'two', color: 'red' });
    const resumed = await readStream(`${s.url}/rooms/1/events`, /event: rooms/, { 'Last-Event-ID': '1' });
    expect(resumed.status).toBe(200);
    expect(resumed.type).toBe('text/event-stream; charset=utf-8');
    expect(resumed.text).toMatch(/^retry: 1000\n\nevent: hello\ndata: \{"instance":"[^"]+","lastSeq":2\}\n\n/);
    expect(resumed.text).toContain('id: 2\nevent: notification\ndata: {"seq":2,"html":"<li class=\\"n n-red\\"');
    expect(resumed.text).not.toContain('id: 1\n');
    expect(resumed.text).not.toContain(TEST_TOKEN);
    const live = readStream(`${s.url}/rooms/1/events?after=2`, /"seq":3/);
    await expect.poll(() => s.waiters(), { timeout: 10_000 }).toBe(1);
    await send(s, { message: 'three' });
    const text = (await live).text;
    expect(text).toContain('id: 3\nevent: notification');
    expect(text).not.toContain('"seq":2,');
    await expect.poll(() => s.waiters(), { timeout: 10_000 }).toBe(0); // the stream's slot is given back on hang-up
  });
});

const launchArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

describe.skipIf(!HAVE_CHROMIUM)(
  `the page in chromium${HAVE_CHROMIUM ? '' : ` (skipped: ${CHROMIUM} is not installed; apt-get install -y chromium-headless-shell)`}`,
  () => {
    // One browser and one tab for the whole file (a new tab costs about half a second on 2 cores).
    let browser: Browser;
    let tab: Page;
    const dialogs: string[] = [];
    beforeAll(async () => {
      browser = await chromium.launch({ executablePath: CHROMIUM, args: launchArgs });
      tab = await browser.newPage();
      tab.on('dialog', (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });
    }, 30_000);
    afterAll(async () => {
      await browser?.close();
    });

    async function open(s: LocalHipChat, target: string): Promise<{ page: Page; dialogs: string[] }> {
      dialogs.length = 0;
      await tab.goto(`${s.url}${target}`);
      await tab.locator('#live.live-on').waitFor(); // the event stream is open
      return { page: tab, dialogs };
    }

    it('shows a notification sent with the CLI without a reload, newest first, in its colour', async () => {
      // Windows are aligned to the clock: a day's, so that the test's two sends do not fall in two of them (a
      // minute's did, once, when the test ran across the turn of a minute).
      const s = await server({ floodLimit: { limit: 30, windowMs: 86_400_000 } });
      const sandbox = createSandbox();
      closeLater({ close: () => sandbox.remove() });
      writeConfig(sandbox, s, '30/60s');
      await send(s, { message: 'first', color: 'yellow' });
      const { page } = await open(s, '/rooms/ops');
      await page.evaluate(() => ((window as unknown as { marker: string }).marker = 'same page'));
      const sent = await sandbox.run(['send-hipchat-notification', '--color', 'green', '--from', 'CD', 'deployed to prod']);
      expect(sent.code, sent.stderr).toBe(0);
      const item = page.locator('#feed > li').first();
      await expect.poll(() => item.locator('.n-msg').textContent(), { timeout: 10_000 }).toBe('deployed to prod');
      expect(await item.locator('.n-from').textContent()).toBe('CD');
      expect(await item.locator('.n-bar').evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(54, 179, 126)');
      expect(
        await page
          .locator('#feed > li')
          .nth(1)
          .locator('.n-bar')
          .evaluate((el) => getComputedStyle(el).backgroundColor),
      ).toBe('rgb(255, 196, 0)');
      expect(await page.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe('same page');
      // counts and flood control follow too
      await expect.poll(() => page.locator('.room-stats [data-field="retained"]').textContent(), { timeout: 10_000 }).toBe('2');
      expect(await page.locator('.room-stats [data-field="flood"]').textContent()).toBe('28 of 30 left');
    });

    it('runs nothing from an html message: no script, no handler, no javascript: link', async () => {
      const s = await server();
      await send(s, { message: 'seed' });
      const { page, dialogs } = await open(s, '/rooms/ops');
      const title = await page.title();
      const payload =
        '<b>bold</b><script>window.pwned = 1; document.title = "pwned"; alert(1)</script>' +
        '<img src=x onerror="window.pwned=2;document.title=\'pwned\';alert(2)">' +
        `<img src="${s.url}/missing.png" onerror="window.pwned=3;alert(3)">` +
        '<a href="javascript:alert(4)">link</a><svg onload="alert(5)"></svg>' +
        '<iframe src="javascript:alert(6)"></iframe><b style="x" onmouseover="alert(7)">hover</b>';
      await send(s, { message: payload, color: 'red' });
      await send(s, { message: '<script>alert(8)</script> shown as text', message_format: 'text' });
      const check = async () => {
        await page.locator('.n-red .n-html b').first().waitFor();
        await page.waitForFunction(() => [...document.images].every((img) => img.complete)); // the 404 image has failed
        await page.locator('.n-red b', { hasText: 'hover' }).hover();
        expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
        expect(await page.title()).toBe(title);
        expect(await page.locator('.n-red .n-html').innerHTML()).not.toMatch(
          /onerror|onload|onmouseover|javascript:|<script|<iframe|<svg|style=/,
        );
        expect(await page.locator('.n-text').first().textContent()).toBe('<script>alert(8)</script> shown as text');
      };
      await check(); // inserted live
      await page.reload();
      await check(); // rendered by the server
      await page.locator('.n-red a', { hasText: 'link' }).click(); // the href was dropped: a click goes nowhere
      expect(dialogs).toEqual([]);
    });

    it('reads with JavaScript off: the server rendered the notifications', async () => {
      const s = await server();
      await send(s, { message: 'static one', color: 'gray' }, { room: 'builds' });
      await send(s, { message: 'static two', color: 'purple', card: { style: 'link', title: 'Card title' } }, { room: 'builds' });
      const context = await browser.newContext({ javaScriptEnabled: false });
      const page = await context.newPage();
      await page.goto(`${s.url}/rooms/builds`);
      expect(await page.locator('#feed > li .n-msg').allTextContents()).toEqual(['static two', 'static one']);
      expect(await page.locator('.card-title').textContent()).toBe('Card title');
      expect(
        await page
          .locator('#feed > li')
          .first()
          .locator('.n-bar')
          .evaluate((el) => getComputedStyle(el).backgroundColor),
      ).toBe('rgb(101, 84, 192)');
      expect(await page.locator('#live').textContent()).toBe('static page');
      await page.goto(`${s.url}/`);
      expect(await page.locator('#rooms-table tbody tr [data-field="retained"]').textContent()).toBe('2');
      await context.close();
    });

    it('lists new rooms and counts on the front page live', async () => {
      const s = await server();
      await send(s, { message: 'x' }, { room: 'ops' });
      const { page } = await open(s, '/');
      await send(s, { message: 'y' }, { room: 'brand new' });
      await send(s, { message: 'z' }, { room: 'ops' });
      const row = page.locator('#rooms-table tr', { hasText: 'brand new' });
      await expect.poll(() => row.locator('[data-field="retained"]').textContent(), { timeout: 10_000 }).toBe('1');
      await expect
        .poll(() => page.locator('#rooms-table tr', { hasText: 'ops' }).locator('[data-field="retained"]').textContent())
        .toBe('2');
    });

    it('reconnects after a restart and catches up', async () => {
      const dir = tempDir();
      const first = await server({ dataDir: dir });
      await send(first, { message: 'before restart' });
      const { page } = await open(first, '/rooms/ops');
      await first.close();
      await expect.poll(() => page.locator('#live').getAttribute('class'), { timeout: 10_000 }).toBe('live live-wait');
      const second = await server({ dataDir: dir, port: first.port });
      await send(second, { message: 'after restart', color: 'green' });
      await expect
        .poll(() => page.locator('#feed > li .n-msg').allTextContents(), { timeout: 10_000 })
        .toEqual(['after restart', 'before restart']);
      await page.locator('#live.live-on').waitFor();
    });

    it('renders a room as HipChat did (screenshot for the README)', async () => {
      const s = await server({ floodLimit: { limit: 30, windowMs: 60_000 } });
      const icon = `${s.url}/assets/favicon.svg`;
      await send(s, { message: 'Nightly backup finished: 14.2 GB in 6 min', color: 'gray', from: 'cron' }, { room: 'ops' });
      await send(s, { message: 'Payara domain1 restarted', color: 'yellow', from: 'Payara' }, { room: 'deploys' });
      await send(s, { message: 'v2.4.0 tagged', color: 'purple', from: 'git' }, { room: 'releases' });
      await send(
        s,
        { message: 'Disk usage on <code>db-01</code> is at <b>91%</b>', color: 'yellow', from: 'Payara health check' },
        { room: 'builds' },
      );
      await send(
        s,
        {
          message: 'Nightly integration run: https://ci.example.test/runs/1187 (3 flaky tests retried)',
          message_format: 'text',
          color: 'gray',
          from: 'CI',
        },
        { room: 'builds' },
      );
      await send(
        s,
        {
          message: 'Release <a href="https://git.example.test/notifier/releases/v2.4.0">v2.4.0</a> published to npm',
          color: 'purple',
          from: 'Release bot',
        },
        { room: 'builds' },
      );
      await send(
        s,
        {
          message: 'Deploy of <b>notifier 2.4.0</b> to <b>production</b> failed: <code>health check timed out after 30 s</code>',
          color: 'red',
          from: 'Deploy',
          notify: true,
        },
        { room: 'builds' },
      );
      await send(
        s,
        {
          message: 'Build #1284 passed on main',
          color: 'green',
          from: 'Jenkins',
          card: {
            style: 'application',
            format: 'medium',
            id: 'build-1284',
            title: 'notifier · build #1284 passed',
            url: 'https://ci.example.test/job/notifier/1284/',
            description: { value: 'All <b>312</b> tests passed in 48 s', format: 'html' },
            thumbnail: { url: icon, width: 64, height: 64 },
            attributes: [
              { label: 'Branch', value: { label: 'main', url: 'https://git.example.test/notifier/tree/main' } },
              { label: 'Status', value: { label: 'passed', style: 'lozenge-success' } },
              { label: 'Coverage', value: { label: '91 %', style: 'lozenge-complete' } },
              { label: 'Duration', value: { label: '48 s' } },
            ],
          },
        },
        { room: 'builds' },
      );
      const { page } = await open(s, '/rooms/builds');
      await page.setViewportSize({ width: 1200, height: 700 });
      await page.reload(); // laid out at that size from the start
      await page.locator('#live.live-on').waitFor();
      await page.waitForFunction(() => [...document.images].every((img) => img.complete && img.naturalWidth > 0));
      const file = process.env.LOCAL_HIPCHAT_SCREENSHOT ?? path.join(tempDir(), 'room.png');
      await page.screenshot({ path: file });
      expect(existsSync(file)).toBe(true);
      expect(await page.locator('#feed > li').count()).toBe(5);
    });
  },
);
