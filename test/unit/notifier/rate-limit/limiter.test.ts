// A sender's side of the shared limit on the state folder: instances (processes) sharing one state, leases,
// answers reported late or at once, and what is on disk. Fake clocks; a real folder.
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RateLimitStateError, RateLimitStoreUnavailableError } from '../../../../src/notifier/errors.js';
import { FileLimitStore } from '../../../../src/notifier/rate-limit/file-store.js';
import { SharedRateLimiter, type LimitStore } from '../../../../src/notifier/rate-limit/limiter.js';
import { applyUpdate, createLimitState, type LimitState } from '../../../../src/notifier/rate-limit/limits.js';
import type { Rate } from '../../../../src/util/rate.js';

const T0 = 1_700_000_000_000;
const TOKEN = 'SECRET-t0ken-do-not-write-me';
const API_URL = 'https://hipchat.example.com';
const ROOM = 'Build room';
const FAST: Rate = { count: 1000, perMs: 1000 };

let root: string;
let stateDir: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'notifier-limiter-'));
  stateDir = join(root, 'state');
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

class GiveUp extends Error {}
const giveUp = () => {
  throw new GiveUp('would wait');
};

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

interface Clock {
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

function limiter(
  rate: Rate,
  clock: Clock,
  key: { apiUrl?: string; room?: string; token?: string; stateDir?: string } = {},
): SharedRateLimiter {
  const store = new FileLimitStore({
    stateDir: key.stateDir ?? stateDir,
    apiUrl: key.apiUrl ?? API_URL,
    token: key.token ?? TOKEN,
    now: clock.now,
  });
  return new SharedRateLimiter({ store, room: key.room ?? ROOM, rate, now: clock.now, sleep: clock.sleep });
}

function stateFiles(): string[] {
  return readdirSync(join(stateDir, 'limits')).filter((name) => name.endsWith('.json'));
}

/** Read synchronously, so that a flush queued for the next turn of the event loop has not run yet. */
function stored(): LimitState {
  const [file] = stateFiles();
  return JSON.parse(readFileSync(join(stateDir, 'limits', file!), 'utf8')) as LimitState;
}

const roomState = (room = ROOM) => stored().rooms.find((entry) => entry.room === room)!;
const unitsOf = (entries: [number, number][]) => entries.reduce((sum, [, units]) => sum + units, 0);
const granted = (room = ROOM) => unitsOf(roomState(room).grants);
const inFlight = (room = ROOM) => unitsOf(roomState(room).inFlight);

describe('instances sharing one state folder', () => {
  it('two instances share one limit', async () => {
    const clock = fakeClock();
    const a = limiter({ count: 3, perMs: 60_000 }, clock);
    const b = limiter({ count: 3, perMs: 60_000 }, clock);
    await a.acquire();
    await a.acquire();
    await b.acquire();
    const waits: [number, string][] = [];
    await expect(b.acquire({ onWait: (ms, reason) => (waits.push([ms, reason]), giveUp()) })).rejects.toThrow(GiveUp);
    await expect(a.acquire({ onWait: giveUp })).rejects.toThrow(GiveUp);
    expect(waits).toEqual([[60_000, 'local']]);
  });

  it('concurrent instances get exactly the limit while the clock stands still', async () => {
    const clock = fakeClock();
    const instances = Array.from({ length: 5 }, () => limiter({ count: 7, perMs: 60_000 }, clock));
    const outcomes = await Promise.allSettled(
      instances.flatMap((instance) => Array.from({ length: 4 }, () => instance.acquire({ onWait: giveUp }))),
    );
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(7);
    expect(outcomes.filter((outcome) => outcome.status === 'rejected' && outcome.reason instanceof GiveUp)).toHaveLength(13);
  });

  it('concurrent instances waiting on a moving clock never have more than COUNT in any DURATION', async () => {
    const rate = { count: 5, perMs: 1000 };
    const clock = fakeClock();
    const sendTimes: number[] = [];
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        const instance = limiter(rate, clock);
        for (let i = 0; i < 10; i++) {
          await instance.acquire();
          sendTimes.push(clock.now());
          await instance.observe({});
        }
      }),
    );
    sendTimes.sort((a, b) => a - b);
    for (let i = 0; i < sendTimes.length; i++)
      expect(sendTimes.filter((time) => time >= sendTimes[i]! && time < sendTimes[i]! + rate.perMs).length).toBeLessThanOrEqual(5);
    // Not slower than needed: 5 at once, then 5 a second.
    expect(sendTimes.at(-1)! - T0).toBe(7000);
  });

  it('sleeps outside the lock and reports each wait before it', async () => {
    const clock = fakeClock();
    const events: string[] = [];
    const instance = limiter(
      { count: 1, perMs: 1000 },
      {
        now: clock.now,
        sleep: async (ms) => {
          const locks = (await readdir(join(stateDir, 'limits'))).filter((name) => name.endsWith('.lock'));
          events.push(`sleep ${ms} with ${locks.length} locks`);
          await clock.sleep(ms);
        },
      },
    );
    await instance.acquire();
    await instance.observe({});
    await instance.acquire({ onWait: (ms, reason) => events.push(`wait ${ms} ${reason}`) });
    expect(events).toEqual(['wait 1000 local', 'sleep 1000 with 0 locks']);
  });

  it('follows the server windows another instance observed, in every room of the token', async () => {
    const clock = fakeClock();
    const sender = limiter({ count: 30, perMs: 60_000 }, clock);
    await sender.acquire();
    await sender.observe({
      'X-Ratelimit-Limit': '100',
      'X-Ratelimit-Remaining': '0',
      'X-Ratelimit-Reset': String((T0 + 45_000) / 1000),
      'X-FloodControl-Limit': '30',
      'X-FloodControl-Remaining': '29',
      'X-FloodControl-Reset': String((T0 + 30_000) / 1000),
    });
    const waits: [number, string][] = [];
    await limiter({ count: 30, perMs: 60_000 }, clock, { room: 'another room' }).acquire({
      onWait: (ms, reason) => waits.push([ms, reason]),
    });
    expect(waits).toEqual([[45_000, 'ratelimit']]);
    expect(clock.time).toBe(T0 + 45_000);
  });

  it('shares one state for 127.0.0.1 and localhost, and keeps other tokens and servers apart', async () => {
    const clock = fakeClock();
    const rate = { count: 1, perMs: 60_000 };
    await limiter(rate, clock, { apiUrl: 'http://127.0.0.1:8080/' }).acquire();
    await expect(limiter(rate, clock, { apiUrl: 'http://LOCALHOST:8080' }).acquire({ onWait: giveUp })).rejects.toThrow(GiveUp);
    await limiter(rate, clock, { apiUrl: 'http://127.0.0.1:8080', token: 'another token' }).acquire({ onWait: giveUp });
    await limiter(rate, clock, { apiUrl: 'http://127.0.0.1:8081' }).acquire({ onWait: giveUp });
    expect(stateFiles()).toHaveLength(3);
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
});

describe('leases', () => {
  it('a sender that uses its units up in time doubles its lease: one update per lease', async () => {
    const instance = limiter(FAST, { now: () => T0, sleep: async () => {} });
    const takenAfter: number[] = [];
    for (let sent = 1; sent <= 31; sent++) {
      await instance.acquire();
      takenAfter.push(granted());
    }
    // Leases of 1, 2, 4, 8 and 16: the stored state changes only when one begins.
    expect(takenAfter.filter((taken, index) => taken !== takenAfter[index - 1])).toEqual([1, 3, 7, 15, 31]);
  });

  it('a sender that sends now and then takes one unit at a time, and so does any slow limit', async () => {
    let time = T0;
    const instance = limiter(FAST, { now: () => time, sleep: async () => {} });
    for (let i = 0; i < 3; i++) {
      await instance.acquire();
      time += 1000;
    }
    expect(roomState().grants).toEqual([[T0 + 2000, 1]]);
    const slow = limiter({ count: 10, perMs: 2000 }, { now: () => T0 + 10_000, sleep: async () => {} }, { room: 'slow room' });
    for (let i = 0; i < 5; i++) await slow.acquire();
    expect(granted('slow room')).toBe(5);
  });

  it('units left when a lease ends go back and no longer count as in flight', async () => {
    let time = T0;
    const instance = limiter(FAST, { now: () => time, sleep: async () => {} });
    for (let i = 0; i < 4; i++) await instance.acquire(); // leases of 1, 2 and 4: 3 of the last left
    expect(inFlight()).toBe(7);
    time += 200;
    await instance.acquire();
    // Only one unit asked for: the last lease showed that one was used; the other three are given back.
    expect(inFlight()).toBe(7 - 3 + 1);
    expect(granted()).toBe(7 - 3 + 1);
  });

  it('an answer showing a window nearly used up ends the lease and is reported at once', async () => {
    const instance = limiter(FAST, { now: () => T0, sleep: async () => {} });
    for (let i = 0; i < 4; i++) await instance.acquire(); // leases of 1, 2 and 4: 3 of the last left
    await instance.observe({
      'X-FloodControl-Limit': '30',
      'X-FloodControl-Remaining': '0',
      'X-FloodControl-Reset': String((T0 + 1000) / 1000),
    });
    const waits: [number, string][] = [];
    await expect(instance.acquire({ onWait: (ms, reason) => (waits.push([ms, reason]), giveUp()) })).rejects.toThrow(GiveUp);
    expect(waits).toEqual([[1000, 'flood']]);
    // The 3 units it will not send no longer count as in flight, nor the one answered.
    expect(inFlight()).toBe(7 - 1 - 3);
  });

  it('while a lease lasts, roomy answers wait for the next update: no state write per message', async () => {
    let time = T0;
    const instance = limiter(FAST, { now: () => time, sleep: async () => {} });
    const roomy = (used: number) => ({
      'X-Ratelimit-Limit': '100000',
      'X-Ratelimit-Remaining': String(100_000 - used),
      'X-Ratelimit-Reset': String((T0 + 300_000) / 1000),
    });
    const writes: string[] = [];
    let last = '';
    for (let sent = 1; sent <= 64; sent++) {
      await instance.acquire();
      await instance.observe(roomy(sent));
      const now = JSON.stringify(stored());
      if (now !== last) writes.push(now);
      last = now;
      time += 1;
    }
    // The first answer shows a window this sender had not seen: reported at once; then one write per lease.
    expect(writes.length).toBeLessThanOrEqual(8);
    await instance.close();
    expect(stored().token).toMatchObject({ limit: 100_000 });
    expect(inFlight()).toBe(0);
  });

  it('records answers of a sender holding no lease soon after the last one', async () => {
    const instance = limiter({ count: 10, perMs: 2000 }, { now: () => T0, sleep: async () => {} });
    await instance.acquire();
    await instance.acquire();
    await instance.observe({});
    expect(inFlight()).toBe(2);
    await vi.waitFor(() => expect(inFlight()).toBe(1));
  });

  it('two instances, one leasing, never have more than COUNT in any DURATION', async () => {
    const rate = { count: 200, perMs: 1000 };
    const clock = fakeClock();
    const sendTimes: number[] = [];
    const fast = limiter(rate, clock);
    const steady = limiter(rate, clock);
    await Promise.all([
      (async () => {
        for (let i = 0; i < 600; i++) {
          await fast.acquire();
          sendTimes.push(clock.now());
          await fast.observe({});
          // Sent a little later each time, sometimes late in its lease.
          clock.time += i % 5;
        }
      })(),
      (async () => {
        for (let i = 0; i < 300; i++) {
          await steady.acquire();
          sendTimes.push(clock.now());
          clock.time += 1;
        }
      })(),
    ]);
    sendTimes.sort((a, b) => a - b);
    for (let i = 0; i < sendTimes.length; i++)
      expect(sendTimes.filter((time) => time >= sendTimes[i]! && time < sendTimes[i]! + rate.perMs).length).toBeLessThanOrEqual(200);
  });
});

describe('the state on disk', () => {
  it('never writes the token, in file contents or names', async () => {
    const clock = fakeClock();
    const instance = limiter({ count: 2, perMs: 60_000 }, clock);
    await instance.acquire();
    await instance.observe({ 'x-ratelimit-limit': '100', 'x-ratelimit-remaining': '99', 'x-ratelimit-reset': '1700000300' });
    await instance.release();
    const files = (await readdir(root, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile());
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      expect(join(file.parentPath, file.name)).not.toContain(TOKEN);
      expect(await readFile(join(file.parentPath, file.name), 'utf8')).not.toContain(TOKEN);
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
    for (const folder of [join(stateDir, '..'), stateDir, join(stateDir, 'limits')]) expect((await stat(folder)).mode & 0o777).toBe(0o700);
    expect((await stat(join(stateDir, 'limits', stateFiles()[0]!))).mode & 0o777).toBe(0o600);
    // A folder that existed before is left as it was.
    expect((await stat(root)).mode & 0o777).toBe(0o755);
  });

  it('a damaged state file counts the limit as used up now, never as free; an empty one is new', async () => {
    const clock = fakeClock();
    await limiter({ count: 2, perMs: 60_000 }, clock).acquire();
    const file = join(stateDir, 'limits', stateFiles()[0]!);
    for (const damaged of ['{"version":2,"rooms":', '{"version":2,"rooms":[{}]}', 'null', '{"local":{"tokens":2}}']) {
      await writeFile(file, damaged);
      const waits: [number, string][] = [];
      await expect(
        limiter({ count: 2, perMs: 60_000 }, clock).acquire({ onWait: (ms, reason) => (waits.push([ms, reason]), giveUp()) }),
      ).rejects.toThrow(GiveUp);
      expect(waits).toEqual([[60_000, 'local']]);
    }
    await writeFile(file, '');
    await limiter({ count: 2, perMs: 60_000 }, clock).acquire({ onWait: giveUp });
  });

  it('rewrites the file in place, padded so that JSON still reads it whole', async () => {
    const clock = fakeClock();
    const instance = limiter({ count: 50, perMs: 60_000 }, clock);
    for (let i = 0; i < 5; i++) {
      await instance.acquire();
      clock.time += 1;
    }
    const file = join(stateDir, 'limits', stateFiles()[0]!);
    const longer = (await stat(file)).size;
    // Time passes: the grants leave the period and the state shrinks, but the file keeps its length.
    clock.time += 60_000;
    await instance.acquire();
    expect((await stat(file)).size).toBe(longer);
    expect(roomState().grants).toEqual([[clock.time, 1]]);
  });

  it('does not follow a link planted in place of the state file', async () => {
    const clock = fakeClock();
    await limiter({ count: 5, perMs: 60_000 }, clock).acquire();
    const file = join(stateDir, 'limits', stateFiles()[0]!);
    const victim = join(root, 'victim');
    await writeFile(victim, 'precious');
    await rm(file);
    symlinkSync(victim, file);
    const error = await limiter({ count: 5, perMs: 60_000 }, clock)
      .acquire()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RateLimitStateError);
    expect((error as Error).message).toBe(`Rate-limit state ${file} is a symbolic link; notifier does not follow links here: remove it`);
    expect(await readFile(victim, 'utf8')).toBe('precious');
  });

  it('reports a state folder that cannot be created as a RateLimitStateError naming it', async () => {
    await writeFile(join(root, 'a-file'), '');
    stateDir = join(root, 'a-file', 'state');
    const error = await limiter({ count: 1, perMs: 1000 }, fakeClock())
      .acquire()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RateLimitStateError);
    expect((error as Error).message).toBe(
      `Cannot create the rate-limit state folder ${join(stateDir, 'limits')}: a parent of it is not a directory`,
    );
  });

  it('reports an unusable state folder under /proc at once instead of retrying forever', async () => {
    const error = await limiter({ count: 1, perMs: 1000 }, fakeClock(), { stateDir: '/proc/nope' })
      .acquire()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RateLimitStateError);
    expect((error as Error).message).toMatch(/^Cannot create the rate-limit state folder \/proc\/nope\/limits: /);
  });

  it('reports a lock or state file that cannot be made as a RateLimitStateError naming the folder', async () => {
    await limiter({ count: 5, perMs: 60_000 }, fakeClock()).acquire();
    const file = join(stateDir, 'limits', stateFiles()[0]!);
    await mkdir(`${file}.lock`);
    const lockError = await limiter({ count: 5, perMs: 60_000 }, fakeClock())
      .acquire()
      .catch((caught: unknown) => caught);
    expect(lockError).toBeInstanceOf(RateLimitStateError);
    expect((lockError as Error).message).toBe(`Cannot write the rate-limit state in ${join(stateDir, 'limits')}: it is a directory`);
    await rm(`${file}.lock`, { recursive: true });
    await rm(file);
    await mkdir(file);
    const fileError = await limiter({ count: 5, perMs: 60_000 }, fakeClock())
      .acquire()
      .catch((caught: unknown) => caught);
    expect((fileError as Error).message).toBe(`Cannot write the rate-limit state in ${join(stateDir, 'limits')}: it is a directory`);
  });

  describe('never through what someone else could have planted', () => {
    const acquireError = () =>
      limiter({ count: 5, perMs: 60_000 }, fakeClock())
        .acquire()
        .catch((caught: unknown) => caught);

    it('refuses a state folder others may write in, saying how to fix it', async () => {
      await mkdir(stateDir, { mode: 0o700 });
      await chmod(stateDir, 0o777);
      const error = await acquireError();
      expect(error).toBeInstanceOf(RateLimitStateError);
      expect((error as Error).message).toBe(
        `State folder ${stateDir} is writable by group and others (mode 0777); run chmod go-w ${stateDir}`,
      );
    });

    it('refuses a limits folder that is a symbolic link', async () => {
      await mkdir(join(root, 'elsewhere'), { mode: 0o700 });
      await mkdir(stateDir, { mode: 0o700 });
      await symlink(join(root, 'elsewhere'), join(stateDir, 'limits'));
      const error = await acquireError();
      expect(error).toBeInstanceOf(RateLimitStateError);
      expect((error as Error).message).toBe(
        `Folder ${join(stateDir, 'limits')} is a symbolic link; notifier does not follow links here: remove it`,
      );
      expect(readdirSync(join(root, 'elsewhere'))).toEqual([]);
    });

    it('refuses a state file that is a FIFO at once instead of waiting for a writer', async () => {
      await limiter({ count: 5, perMs: 60_000 }, fakeClock()).acquire();
      const file = join(stateDir, 'limits', stateFiles()[0]!);
      await rm(file);
      expect(spawnSync('mkfifo', [file]).status).toBe(0);
      const error = await acquireError();
      expect(error).toBeInstanceOf(RateLimitStateError);
      expect((error as Error).message).toBe(`Rate-limit state ${file} is not a regular file`);
    });
  });

  it('a state file left by a process that died leaves no temp files or locks behind', async () => {
    const clock = fakeClock();
    await limiter({ count: 5, perMs: 60_000 }, clock).acquire();
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    const file = join(stateDir, 'limits', stateFiles()[0]!);
    await writeFile(
      `${file}.lock`,
      JSON.stringify({ pid: dead, hostname: (await import('node:os')).hostname(), time: Date.now(), nonce: 'x' }),
    );
    await limiter({ count: 5, perMs: 60_000 }, clock).acquire();
    expect(readdirSync(join(stateDir, 'limits'))).toEqual([stateFiles()[0]]);
  });
});

describe('a report that may not have reached the store', () => {
  /** The state in memory, applied as a store would; `loseNext` makes the next update fail as a reply lost on the way. */
  function memoryStore(clock: Clock) {
    const memory = { state: createLimitState(), loseNext: false };
    const store: LimitStore = {
      apply: async (update) => {
        if (memory.loseNext) {
          memory.loseNext = false;
          throw new RateLimitStoreUnavailableError('no answer', { mayHaveApplied: true });
        }
        const { state, taken } = applyUpdate(memory.state, update, clock.now());
        memory.state = state;
        return taken;
      },
      close: async () => {},
    };
    return { memory, store };
  }

  it('states its windows again with the next change, but not its counts (counted twice, they would loosen the limit)', async () => {
    const clock = fakeClock();
    const { memory, store } = memoryStore(clock);
    const rate = { count: 100, perMs: 1000 };
    const sender = new SharedRateLimiter({ store, room: ROOM, rate, now: clock.now, sleep: clock.sleep });
    await sender.acquire();
    memory.loseNext = true;
    const reset = String(Math.floor(T0 / 1000) + 60);
    // A used-up window is reported at once: that report is the one lost.
    await sender.observe({ 'x-ratelimit-limit': '5', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset });
    await sender.close();
    expect(memory.state.token).toMatchObject({ limit: 5, remaining: 0 });
    // The lost report's answer is not counted again: the send still counts as in flight.
    expect(unitsOf(memory.state.rooms[0]!.inFlight)).toBe(1);
    const other = new SharedRateLimiter({ store, room: ROOM, rate, now: clock.now, sleep: clock.sleep });
    const reasons: string[] = [];
    await expect(other.acquire({ onWait: (_, reason) => (reasons.push(reason), giveUp()) })).rejects.toThrow(GiveUp);
    expect(reasons).toEqual(['ratelimit']);
  });
});
