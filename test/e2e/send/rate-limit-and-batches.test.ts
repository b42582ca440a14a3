// send-hipchat-notification end to end: the rate limit shared by processes, and --ndjson batches.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { capturedOutputs, CLI, hasStackTrace } from '../../support/cli.js';
import { TEST_TOKEN } from '../../support/hipchat-server.js';
import { SEND, useSendSuite } from '../../support/send-suite.js';

const suite = useSendSuite();

describe('the shared rate limit', () => {
  const limit = { limit: 5, windowMs: 2000 };

  it('12 sequential processes against a 5-per-1-s server deliver everything with zero 429s', async () => {
    const perSecond = { limit: 5, windowMs: 1000 };
    await suite.setUp({ tokenLimit: perSecond, floodLimit: perSecond }, { rateLimit: '5/1s' });
    for (let index = 0; index < 12; index++) {
      const result = await suite.send([`--message=sequential ${index}`]);
      expect(result.code, result.stderr).toBe(0);
    }
    expect(suite.server.count(429)).toBe(0);
    expect(suite.server.delivered().map((request) => (request.body as { message: string }).message)).toEqual(
      Array.from({ length: 12 }, (_, index) => `sequential ${index}`),
    );
  });

  it('10 concurrent processes against a 5-per-2-s server deliver everything with zero 429s', async () => {
    await suite.setUp({ tokenLimit: limit, floodLimit: limit }, { rateLimit: '5/2s' });
    const results = await Promise.all(Array.from({ length: 10 }, (_, index) => suite.send([`--message=parallel ${index}`])));
    expect(results.map((result) => result.code)).toEqual(Array(10).fill(0));
    expect(suite.server.count(429)).toBe(0);
    expect(suite.server.delivered()).toHaveLength(10);
  }, 60_000);

  it('keeps its state 0600 in the state folder, without the token', async () => {
    await suite.setUp();
    await suite.send(['--message=hi']);
    const folder = join(suite.sandbox.stateDir, 'limits');
    const files = readdirSync(folder).filter((name) => name.endsWith('.json'));
    expect(files).toHaveLength(1);
    const file = join(folder, files[0]!);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).not.toContain(TEST_TOKEN);
  });
});

describe('--ndjson', () => {
  it('sends every good line in order over one connection and reports a bad one by number', async () => {
    await suite.setUp();
    const input = [
      JSON.stringify({ message: 'one' }),
      '{"message": "two"',
      JSON.stringify({ message: 'three', color: 'red', notify: true, from: 'CI', messageFormat: 'html' }),
      '',
      JSON.stringify({ message: 'five', colour: 'red' }),
      JSON.stringify({ message: 'six\nlines' }),
    ].join('\n');
    const result = await suite.send(['--ndjson'], `${input}\n`);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('sent 3, failed 2\n');
    expect(result.stderr).toBe(
      'line 2: not valid JSON\n' +
        'line 5: unknown field "colour" (expected message, color, messageFormat, notify, from, card, attachTo)\n' +
        `2 of 5 notifications failed\nCommand ${SEND} failed.\n`,
    );
    expect(suite.server.delivered().map((request) => request.body)).toEqual([
      { message: 'one', message_format: 'text', color: 'yellow', notify: false },
      { message: 'three', message_format: 'html', color: 'red', notify: true, from: 'CI' },
      { message: 'six\nlines', message_format: 'text', color: 'yellow', notify: false },
    ]);
    expect(suite.server.connections()).toBe(1);
  });

  it('goes on after a refused notification and counts it as failed', async () => {
    await suite.setUp();
    suite.server.injectFaults({ kind: 'status', status: 400, body: { error: { code: 400, message: 'Bad thing', type: 'Bad Request' } } });
    const result = await suite.send(['--ndjson', '--json'], '{"message":"a"}\n{"message":"b"}\n');
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual({
      ok: false,
      error: { message: '1 of 2 notifications failed', exitCode: 1 },
      sent: 1,
      failed: 1,
      failures: [{ line: 1, error: 'HipChat refused the notification: 400 Bad thing' }],
      stoppedAtLine: null,
    });
  });

  it('prints one request per line with --dryRun, and stops quietly when the reader goes away', async () => {
    await suite.setUp();
    const lines = Array.from({ length: 5000 }, (_, index) => JSON.stringify({ message: `dry ${index}` })).join('\n');
    const all = await suite.send(['--ndjson', '--dryRun'], lines);
    expect(all.code).toBe(0);
    expect(
      all.stdout
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line).body.message),
    ).toEqual(Array.from({ length: 5000 }, (_, index) => `dry ${index}`));
    const cut = spawnSync('bash', ['-c', `set -o pipefail; node ${CLI} ${SEND} --ndjson --dryRun | head -1`], {
      input: lines,
      encoding: 'utf8',
      env: suite.sandbox.env,
    });
    capturedOutputs.push(cut.stdout, cut.stderr);
    expect(cut.status).toBe(0);
    expect(JSON.parse(cut.stdout).body.message).toBe('dry 0');
    expect(cut.stderr).toBe('');
    expect(suite.server.requests).toHaveLength(0);
  });

  it('stops at Ctrl-C, prints what was sent and exits 130', async () => {
    await suite.setUp({}, { rateLimit: '2/60s' });
    const child = spawn(process.execPath, [CLI, SEND, '--ndjson'], { env: suite.sandbox.env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdin.end(Array.from({ length: 5 }, (_, index) => JSON.stringify({ message: `m${index}` })).join('\n'));
    // Two go at once; the third waits a minute for the limiter, when Ctrl-C comes.
    while (suite.server.delivered().length < 2) await new Promise((resolve) => setTimeout(resolve, 50));
    await new Promise((resolve) => setTimeout(resolve, 300));
    child.kill('SIGINT');
    const code = await new Promise((resolve) => child.on('close', resolve));
    capturedOutputs.push(stdout, stderr);
    expect(code).toBe(130);
    expect(stdout).toBe('sent 2, failed 0\n');
    expect(stderr).toContain('Interrupted');
    expect(hasStackTrace(stderr)).toBe(false);
    expect(suite.server.delivered()).toHaveLength(2);
  });
});
