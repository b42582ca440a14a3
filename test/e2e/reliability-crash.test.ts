// Crash safety: processes kill -9'd at random moments while others write the same file. Afterwards the
// config file parses and validates and holds every finished change, the rate-limit state holds only valid
// bucket files, and what the killed processes left (temp files, locks) is cleaned by the next writer.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isLimitState } from '../../src/notifier/rate-limit/limits.js';
import type { RunResult, Sandbox } from '../support/cli.js';
import { startHipChatServer, TEST_TOKEN } from '../support/hipchat-server.js';
import {
  checkSecretsAfterAll,
  CONFIGURE,
  deliveredMessages,
  GET,
  scannedSandbox,
  SEND,
  startCli,
  writeConfig,
} from '../support/reliability.js';

checkSecretsAfterAll();

const PROCESSES = 60;
const CONCURRENCY = 6;
/** The storm proves nothing unless more than this many were killed while they ran. */
const MIN_KILLED = PROCESSES / 5;
/** How far a storm goes on to kill that many. */
const MAX_PROCESSES = 3 * PROCESSES;
/** How many of the last runs tell how long a run takes now. */
const RECENT_RUNS = 6;

interface Outcome {
  index: number;
  /** Whether kill -9 was sent before the process ended by itself. */
  killed: boolean;
  result: RunResult;
}

/**
 * Runs `start(index)` PROCESSES times (more, up to MAX_PROCESSES, until more than MIN_KILLED were killed),
 * CONCURRENCY at a time; half of them, chosen at random, are kill -9'd after a random part of how long one run
 * takes here, so that kills land before, inside and after the locked write. That length is measured as the storm
 * goes (the median of the last RECENT_RUNS runs that ended by themselves, `calibratedMs` before the first): the
 * load on the machine changes while the suite runs, and kills timed by a run measured in a busier moment would
 * come after the end. How long runs take still varies from one to the next, so a kill may come too late: the
 * storm goes on until enough have landed.
 */
async function storm(
  start: (index: number) => { child: ChildProcess; result: Promise<RunResult> },
  calibratedMs: number,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  const recentMs: number[] = [];
  const typicalMs = () => (recentMs.length === 0 ? calibratedMs : [...recentMs].sort((a, b) => a - b)[recentMs.length >> 1]!);
  const killedSoFar = () => outcomes.filter((outcome) => outcome.killed).length;
  let next = 0;
  const worker = async () => {
    while (next < PROCESSES || (next < MAX_PROCESSES && killedSoFar() <= MIN_KILLED)) {
      const index = next++;
      const started = Date.now();
      const { child, result } = start(index);
      let killed = false;
      const timer =
        Math.random() < 0.5
          ? setTimeout(
              () => {
                killed = child.exitCode === null && child.signalCode === null;
                child.kill('SIGKILL');
              },
              typicalMs() * (0.1 + 0.9 * Math.random()),
            )
          : undefined;
      const ended = await result;
      clearTimeout(timer);
      if (ended.signal !== 'SIGKILL') {
        recentMs.push(Date.now() - started);
        if (recentMs.length > RECENT_RUNS) recentMs.shift();
      }
      outcomes.push({ index, killed: killed && ended.signal === 'SIGKILL', result: ended });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return outcomes.sort((a, b) => a.index - b.index);
}

async function timed(box: Sandbox, args: string[]): Promise<number> {
  const started = Date.now();
  const { result } = startCli(box, args);
  expect((await result).code).toBe(0);
  return Date.now() - started;
}

/** A pid that certainly belongs to no process any more. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid!;
}

/** What a writer kill -9'd inside its locked section leaves: its temp file and its lock. */
function plantLeftovers(file: string): void {
  writeFileSync(join(dirname(file), `.${basename(file)}.${deadPid()}.k1ll3d.tmp`), '{"version": 1, "targ', { mode: 0o600 });
  plantStaleLock(file);
}

function plantStaleLock(file: string): void {
  writeFileSync(`${file}.lock`, `${JSON.stringify({ pid: deadPid(), hostname: hostname(), time: Date.now(), nonce: 'k1ll3d' })}\n`, {
    mode: 0o600,
  });
}

function expectOnlySurvivorsSucceeded(outcomes: Outcome[]): Outcome[] {
  const survivors = outcomes.filter((outcome) => !outcome.killed);
  expect(survivors.filter((outcome) => outcome.result.code !== 0).map(({ index, result }) => ({ index, ...result }))).toEqual([]);
  // The storm really killed some, or it proved nothing.
  expect(outcomes.length - survivors.length).toBeGreaterThan(MIN_KILLED);
  return survivors;
}

describe('kill -9 during writes', () => {
  it('notification-hipchat-configure: the config stays valid, keeps every finished change, and orphans are cleaned', async ({
    onTestFinished,
  }) => {
    const box = scannedSandbox(onTestFinished);
    const tokenFile = join(box.dir, 'token');
    writeFileSync(tokenFile, `${TEST_TOKEN}\n`);
    const configure = (target: string) => [
      CONFIGURE,
      '--enabled',
      `--roomName=room-${target}`,
      `--tokenFile=${tokenFile}`,
      `--target=${target}`,
    ];
    const typicalMs = await timed(box, configure('server'));

    // Every fifth process reads instead: a reader must never see a half-written file.
    const readers = (index: number) => index % 5 === 4;
    const outcomes = await storm(
      (index) => startCli(box, readers(index) ? [GET, '--json', '--maskToken'] : configure(`t${index}`)),
      typicalMs,
    );
    const survivors = expectOnlySurvivorsSucceeded(outcomes);

    const get = await startCli(box, [GET, '--json', '--maskToken']).result;
    expect(get.code, get.stderr).toBe(0);
    expect(JSON.parse(get.stdout)).toMatchObject({ defined: true, roomName: 'room-server' });
    const stored = JSON.parse(readFileSync(box.configPath, 'utf8')) as { targets: Record<string, { hipchat: { roomName: string } }> };
    for (const { index } of survivors.filter(({ index }) => !readers(index))) {
      expect(stored.targets[`t${index}`]?.hipchat.roomName, `writer ${index}`).toBe(`room-t${index}`);
    }

    plantLeftovers(box.configPath);
    const last = await startCli(box, configure('last')).result;
    expect(last.code, last.stderr).toBe(0);
    const folder = dirname(box.configPath);
    expect(readdirSync(folder)).toEqual(['config.json']);
    expect(statSync(box.configPath).mode & 0o777).toBe(0o600);
    expect(statSync(folder).mode & 0o777).toBe(0o700);
  });

  it('send-hipchat-notification: the state holds only valid limit files, and a later send works', async ({ onTestFinished }) => {
    // Server windows in the answers, so that the state holds them too.
    const server = await startHipChatServer({
      tokenLimit: { limit: 10_000, windowMs: 60_000 },
      floodLimit: { limit: 10_000, windowMs: 60_000 },
    });
    onTestFinished(() => server.close());
    const box = scannedSandbox(onTestFinished);
    writeConfig(box, server, '10000/1s');
    const typicalMs = await timed(box, [SEND, 'calibration']);

    const outcomes = await storm((index) => startCli(box, [SEND, `storm ${index}`]), typicalMs);
    const survivors = expectOnlySurvivorsSucceeded(outcomes);
    const delivered = new Set(deliveredMessages(server));
    for (const { index } of survivors) expect(delivered.has(`storm ${index}`), `sender ${index}`).toBe(true);

    const limits = join(box.stateDir, 'limits');
    const [file, ...others] = readdirSync(limits).filter((name) => /^[0-9a-f]{64}\.json$/.test(name));
    expect(others).toEqual([]);
    expect(isLimitState(JSON.parse(readFileSync(join(limits, file!), 'utf8')))).toBe(true);
    // The state is rewritten in place (no temp files); a writer killed inside its lock leaves the lock.
    plantStaleLock(join(limits, file!));
    // A torn state file counts the limit as used up: the next send waits out the period (1 s), then goes.
    writeFileSync(join(limits, file!), '{"version": 2, "rooms"');

    const last = await startCli(box, [SEND, 'after the storm']).result;
    expect(last.code, last.stderr).toBe(0);
    expect(deliveredMessages(server).at(-1)).toBe('after the storm');
    expect(readdirSync(limits)).toEqual([file]);
    expect(isLimitState(JSON.parse(readFileSync(join(limits, file!), 'utf8')))).toBe(true);
    expect(statSync(join(limits, file!)).mode & 0o777).toBe(0o600);
  });

  it('an empty lock, left by a process killed between creating and writing it, holds writers up for seconds only', async ({
    onTestFinished,
  }) => {
    const server = await startHipChatServer();
    onTestFinished(() => server.close());
    const box = scannedSandbox(onTestFinished);
    writeConfig(box, server);
    expect((await startCli(box, [SEND, 'first']).result).code).toBe(0);
    const limits = join(box.stateDir, 'limits');
    const [state] = readdirSync(limits);
    for (const file of [box.configPath, join(limits, state!)]) writeFileSync(`${file}.lock`, '');

    const [configured, sent] = await Promise.all([
      startCli(box, [CONFIGURE, '--enabled', '--roomName=', '--token=']).result,
      startCli(box, [SEND, 'second']).result,
    ]);
    expect(configured.code, configured.stderr).toBe(0);
    expect(sent.code, sent.stderr).toBe(0);
    expect(readdirSync(dirname(box.configPath))).toEqual(['config.json']);
    expect(readdirSync(limits)).toEqual([state]);
  });
});
