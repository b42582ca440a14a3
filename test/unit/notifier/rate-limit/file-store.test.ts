import { spawnSync } from 'node:child_process';
import { access, chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RateLimitStateError } from '../../../../src/notifier/errors.js';
import { SharedRateLimiter, type RateLimiterOptions } from '../../../../src/notifier/rate-limit/file-store.js';
import type { Rate } from '../../../../src/util/rate.js';

const T0 = 1_700_000_000_000;
const TOKEN = 'SECRET-t0ken-do-not-write-me';
const KEY = { apiUrl: 'https://hipchat.example.com/v2', room: 'Build room', token: TOKEN };

let root: string;
let stateDir: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'notifier-state-'));
  stateDir = join(root, 'state');
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

class GiveUp extends Error {}

/** A clock that only moves when someone sleeps: a sleeper wakes up when its time has come. */
function fakeClock(start = T0) {
  const clock = {
    time: start,
    now: () => clock.time,
    sleep: async (ms: number) => {
      const wakeAt = clock.time + ms;
      // Let the other instances run first, as real time would.
      await new Promise((resolve) => setImmediate(resolve));
      clock.time = Math.max(clock.time, wakeAt);
    },
  };
  return clock;
}

type Clock = Pick<RateLimiterOptions, 'now' | 'sleep'>;

function limiter(rate: Rate, clock: Clock, extra: Partial<RateLimiterOptions> = {}) {
  return new SharedRateLimiter({ stateDir, key: KEY, rate, now: clock.now, sleep: clock.sleep, ...extra });
}

const giveUp = () => {
  throw new GiveUp('would wait');
};

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

async function bucketFile(): Promise<string> {
  const [file] = (await readdir(join(stateDir, 'buckets'))).filter((name) => name.endsWith('.json'));
  return join(stateDir, 'buckets', file!);
}

describe('SharedRateLimiter', () => {
  it('two instances on the same folder share one bucket', async () => {
    const clock = fakeClock();
    const a = limiter({ count: 3, perMs: 60_000 }, clock);
    const b = limiter({ count: 3, perMs: 60_000 }, clock);
    await a.acquire();
    await a.acquire();
    await b.acquire();
    const waits: [number, string][] = [];
    await expect(b.acquire({ onWait: (ms, reason) => (waits.push([ms, reason]), giveUp()) })).rejects.toThrow(GiveUp);
    await expect(a.acquire({ onWait: giveUp })).rejects.toThrow(GiveUp);
    expect(waits).toEqual([[20_000, 'local']]);
  });

  it('a new instance (a new process) does not start with a full bucket', async () => {
    const clock = fakeClock();
    const first = limiter({ count: 2, perMs: 60_000 }, clock);
    await first.acquire();
    await first.acquire();
    const later = limiter({ count: 2, perMs: 60_000 }, fakeClock(T0 + 1000));
    await expect(later.acquire({ onWait: giveUp })).rejects.toThrow(GiveUp);
  });

  it('concurrent instances get exactly the capacity while the clock stands still', async () => {
    const clock = fakeClock();
    const instances = Array.from({ length: 5 }, () => limiter({ count: 7, perMs: 60_000 }, clock));
    const outcomes = await Promise.allSettled(
      instances.flatMap((instance) => Array.from({ length: 4 }, () => instance.acquire({ onWait: giveUp }))),
    );
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(7);
    const gaveUp = outcomes.filter((outcome) => outcome.status === 'rejected' && outcome.reason instanceof GiveUp);
    expect(gaveUp).toHaveLength(13);
  });

  it('concurrent instances waiting on a moving clock never exceed the rate', async () => {
    const rate = { count: 5, perMs: 1000 };
    const clock = fakeClock();
    const sendTimes: number[] = [];
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        // Each instance reads the clock once per attempt, inside the lock: its last reading is when it took.
        let lastNow = 0;
        const instance = limiter(rate, { now: () => (lastNow = clock.now()), sleep: clock.sleep });
        for (let i = 0; i < 10; i++) {
          await instance.acquire();
          sendTimes.push(lastNow);
        }
      }),
    );
    expect(sendTimes).toHaveLength(40);
    sendTimes.sort((a, b) => a - b);
    // A token bucket allows at most capacity + refill in any interval.
    for (let i = 0; i < sendTimes.length; i++) {
      for (let j = i; j < sendTimes.length; j++) {
        const allowed = rate.count + Math.floor(((sendTimes[j]! - sendTimes[i]!) * rate.count) / rate.perMs);
        expect(j - i + 1).toBeLessThanOrEqual(allowed);
      }
    }
    // And the waits were not longer than needed: 5 at once, then 5 per second.
    expect(sendTimes.at(-1)! - T0).toBeLessThanOrEqual(7000 + 50);
  });

  it('sleeps outside the lock and reports each wait before it', async () => {
    const clock = fakeClock();
    const events: string[] = [];
    const instance = limiter(
      { count: 1, perMs: 1000 },
      {
        now: clock.now,
        sleep: async (ms) => {
          const locks = (await readdir(join(stateDir, 'buckets'))).filter((name) => name.endsWith('.lock'));
          events.push(`sleep ${ms} with ${locks.length} locks`);
          await clock.sleep(ms);
        },
      },
    );
    await instance.acquire();
    await instance.acquire({ onWait: (ms, reason) => events.push(`wait ${ms} ${reason}`) });
    expect(events).toEqual(['wait 1000 local', 'sleep 1000 with 0 locks']);
  });

  it('follows the server windows another instance observed', async () => {
    const clock = fakeClock();
    const sender = limiter({ count: 30, perMs: 60_000 }, clock);
    await sender.acquire();
    await sender.observe({
      'X-Ratelimit-Limit': '100',
      'X-Ratelimit-Remaining': '50',
      'X-Ratelimit-Reset': String((T0 + 300_000) / 1000),
      'X-FloodControl-Limit': '30',
      'X-FloodControl-Remaining': '0',
      'X-FloodControl-Reset': String((T0 + 45_000) / 1000),
    });
    const other = limiter({ count: 30, perMs: 60_000 }, clock);
    const waits: [number, string][] = [];
    await other.acquire({ onWait: (ms, reason) => waits.push([ms, reason]) });
    expect(waits).toEqual([[45_000, 'flood']]);
    expect(clock.time).toBe(T0 + 45_000);
  });

  it('release gives the unit back to every instance', async () => {
    const clock = fakeClock();
    const a = limiter({ count: 1, perMs: 60_000 }, clock);
    await a.acquire();
    await a.release();
    await limiter({ count: 1, perMs: 60_000 }, clock).acquire({ onWait: giveUp });
  });

  it('stops waiting when aborted', async () => {
    const clock = fakeClock();
    const controller = new AbortController();
    const instance = limiter(
      { count: 1, perMs: 60_000 },
      {
        now: clock.now,
        sleep: async (ms, signal) => {
          controller.abort(new GiveUp('aborted'));
          signal?.throwIfAborted();
          await clock.sleep(ms);
        },
      },
    );
    await instance.acquire();
    await expect(instance.acquire({ signal: controller.signal })).rejects.toThrow('aborted');
    await expect(instance.acquire({ signal: controller.signal })).rejects.toThrow('aborted');
  });

  it('re-creates the local bucket when the configured rate changes', async () => {
    const clock = fakeClock();
    await limiter({ count: 1, perMs: 60_000 }, clock).acquire();
    const waits: number[] = [];
    // 60 per minute: the next token comes in one second, not in one minute.
    await limiter({ count: 60, perMs: 60_000 }, clock).acquire({ onWait: (ms) => waits.push(ms) });
    expect(waits).toEqual([1000]);
    const stored = JSON.parse(await readFile(await bucketFile(), 'utf8')) as { local: { rate: Rate } };
    expect(stored.local.rate).toEqual({ count: 60, perMs: 60_000 });
  });

  it('keys the state by API URL, room and token', async () => {
    const clock = fakeClock();
    const rate = { count: 1, perMs: 60_000 };
    await limiter(rate, clock).acquire();
    for (const key of [
      { ...KEY, room: 'Other room' },
      { ...KEY, token: 'another token' },
      { ...KEY, apiUrl: 'https://other.example.com/v2' },
    ]) {
      await limiter(rate, clock, { key }).acquire({ onWait: giveUp });
    }
    expect((await readdir(join(stateDir, 'buckets'))).filter((name) => name.endsWith('.json'))).toHaveLength(4);
  });

  it('never writes the token, in file contents or names', async () => {
    const clock = fakeClock();
    const instance = limiter({ count: 2, perMs: 60_000 }, clock);
    await instance.acquire();
    await instance.observe({
      'x-ratelimit-limit': '100',
      'x-ratelimit-remaining': '99',
      'x-ratelimit-reset': '1700000300',
    });
    await instance.release();
    const files = await filesUnder(root);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      expect(file).not.toContain(TOKEN);
      expect(await readFile(file, 'utf8')).not.toContain(TOKEN);
    }
  });

  it('creates folders 0700 and the state file 0600 whatever the umask', async () => {
    await chmod(root, 0o755);
    const previous = process.umask(0o000);
    try {
      await limiter({ count: 2, perMs: 60_000 }, fakeClock(), { stateDir: join(stateDir, 'deeper') }).acquire();
    } finally {
      process.umask(previous);
    }
    stateDir = join(stateDir, 'deeper');
    for (const folder of [join(stateDir, '..'), stateDir, join(stateDir, 'buckets')]) {
      expect((await stat(folder)).mode & 0o777).toBe(0o700);
    }
    expect((await stat(await bucketFile())).mode & 0o777).toBe(0o600);
    // A folder that existed before is left as it was.
    expect((await stat(root)).mode & 0o777).toBe(0o755);
  });

  it('replaces a damaged state file with a fresh state', async () => {
    const clock = fakeClock();
    await limiter({ count: 2, perMs: 60_000 }, clock).acquire();
    const file = await bucketFile();
    for (const damaged of ['', '{"local":', '{"local":{},"server":{}}', 'null']) {
      await writeFile(file, damaged);
      await limiter({ count: 2, perMs: 60_000 }, clock).acquire({ onWait: giveUp });
      expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ local: { tokens: 1 } });
    }
  });

  it('removes temp files left by writers that were killed', async () => {
    const clock = fakeClock();
    await limiter({ count: 5, perMs: 60_000 }, clock).acquire();
    const file = await bucketFile();
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid!;
    const orphan = join(stateDir, 'buckets', `.${file.split('/').at(-1)}.${deadPid}.00ff.tmp`);
    await writeFile(orphan, '{}');
    await limiter({ count: 5, perMs: 60_000 }, clock).acquire();
    await expect(access(orphan)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('reports a state folder that cannot be created as a RateLimitStateError naming it', async () => {
    await writeFile(join(root, 'a-file'), '');
    stateDir = join(root, 'a-file', 'state');
    const error = await limiter({ count: 1, perMs: 1000 }, fakeClock())
      .acquire()
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(RateLimitStateError);
    expect((error as Error).message).toContain(join(stateDir, 'buckets'));
  });

  it('reports a lock file that cannot be made as a RateLimitStateError naming the folder', async () => {
    await limiter({ count: 5, perMs: 60_000 }, fakeClock()).acquire();
    await mkdir(`${await bucketFile()}.lock`);
    const error = await limiter({ count: 5, perMs: 60_000 }, fakeClock())
      .acquire()
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(RateLimitStateError);
    const message = (error as Error).message;
    expect(message.startsWith(`Cannot write the rate-limit state in ${join(stateDir, 'buckets')}: EISDIR`)).toBe(true);
  });

  it('reports a state file that cannot be written as a RateLimitStateError naming the folder', async () => {
    await limiter({ count: 5, perMs: 60_000 }, fakeClock()).acquire();
    // A folder in the state file's place cannot be replaced by a rename.
    const file = await bucketFile();
    await rm(file);
    await mkdir(join(file, 'blocker'), { recursive: true });
    const error = await limiter({ count: 5, perMs: 60_000 }, fakeClock())
      .acquire()
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(RateLimitStateError);
    expect((error as Error).message).toContain(join(stateDir, 'buckets'));
  });
});
