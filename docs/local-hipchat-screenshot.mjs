// Makes docs/local-hipchat-room.png, the README's picture of a room: the Quick start run for real in a
// throw-away HOME (`start-local-hipchat --detach --configure`, then notifier's own sends), one card sent
// the way another HipChat client would (curl-style, with fetch), and the page photographed in Debian's
// chromium through playwright-core. Run it after `npm run build`:
//
//   node docs/local-hipchat-screenshot.mjs [out.png]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

/* global document */

const root = fileURLToPath(new URL('..', import.meta.url));
const out = process.argv[2] ?? join(root, 'docs', 'local-hipchat-room.png');
const home = mkdtempSync(join(tmpdir(), 'notifier-screenshot-'));
const env = {
  PATH: process.env.PATH,
  HOME: home,
  XDG_CONFIG_HOME: join(home, '.config'),
  XDG_STATE_HOME: join(home, '.local', 'state'),
};
const notifier = (...args) => execFileSync(process.execPath, [join(root, 'bin', 'notifier.js'), ...args], { env, encoding: 'utf8' });

const server = JSON.parse(notifier('start-local-hipchat', '--detach', '--configure', '--port', '0', '--json'));
try {
  notifier('test-hipchat-notifier-configuration');
  notifier('send-hipchat-notification', 'Hello from notifier');
  notifier(
    'send-hipchat-notification',
    '--color',
    'green',
    '--from',
    'CI',
    'Build #1284 passed on main: https://ci.example.test/job/notifier/1284/',
  );
  notifier(
    'send-hipchat-notification',
    ...['--color', 'red', '--notify', '--from', 'Deploy', '--messageFormat', 'html'],
    'Deploy of <b>notifier 2.4.0</b> to <b>production</b> failed: <code>health check timed out after 30 s</code>',
  );
  // A card, as Jenkins' HipChat plugin posted them (notifier itself sends plain notifications).
  const card = {
    message: 'Release v2.4.0 published to npm',
    color: 'purple',
    from: 'Release bot',
    card: {
      style: 'application',
      format: 'medium',
      id: 'release-2.4.0',
      title: 'notifier 2.4.0',
      url: 'https://www.npmjs.com/package/notifier',
      description: { value: 'Published by <b>ci</b>: 312 tests passed in 48 s', format: 'html' },
      thumbnail: { url: `${server.apiUrl}/assets/favicon.svg`, width: 64, height: 64 },
      attributes: [
        { label: 'Version', value: { label: '2.4.0' } },
        { label: 'Status', value: { label: 'published', style: 'lozenge-success' } },
        { label: 'Coverage', value: { label: '91 %', style: 'lozenge-complete' } },
      ],
    },
  };
  const res = await fetch(`${server.apiUrl}/v2/room/payara-notifications/notification`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(card),
  });
  if (res.status !== 204) throw new Error(`the card got ${res.status}: ${await res.text()}`);

  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 760 } });
    await page.goto(`${server.pageUrl}rooms/payara-notifications`);
    await page.locator('#live.live-on').waitFor();
    await page.waitForFunction(() => [...document.images].every((img) => img.complete && img.naturalWidth > 0));
    await page.screenshot({ path: out });
  } finally {
    await browser.close();
  }
  console.log(`${out}: ${server.pageUrl}rooms/payara-notifications`);
} finally {
  notifier('stop-local-hipchat');
  rmSync(home, { recursive: true, force: true });
}
