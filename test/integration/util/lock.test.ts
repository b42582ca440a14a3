import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LockTimeoutError } from '../../../src/util/errors.js';
import { withFileLock } from '../../../src/util/lock.js';

let dir: string;
let worker: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'notifier-lock-'));
  // Child processes run plain JS: bundle the module under test for them.
  buildSync({
    entryPoints: [fileURLToPath(new URL('../../../src/util/lock.ts', import.meta.url))],
    outfile: join(dir, 'lock.mjs'),
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'silent',
  });
  worker = join(dir, 'worker.mjs');
  await writeFile(
    worker,
    `import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { withFileLock } from './lock.mjs';
const [counter, times, mode] = process.argv.slice(2);
const inside = counter + '.inside';
const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code !== 'ESRCH';
  }
};
for (let i = 0; i < Number(times); i++) {
  await withFileLock(counter, async () => {
    if (mode === 'die') process.kill(process.pid, 'SIGKILL');
    // Two holders at once would find the other's mark. A holder kill -9ed inside the lock leaves its mark
    // behind: the lock was broken because that holder is dead, and so is its mark.
    const mark = () => writeFile(inside, String(process.pid), { flag: 'wx' });
    await mark().catch(async () => {
      const holder = Number(await readFile(inside, 'utf8'));
      if (holder > 0 && alive(holder)) {
        process.stderr.write('two holders\\n');
        process.exit(3);
      }
      await rm(inside);
      await mark();
    });
    if (mode === 'chaos' && Math.random() < 0.15) {
      await rm(inside);
      process.kill(process.pid, 'SIGKILL');
    }
    const { count } = JSON.parse(await readFile(counter, 'utf8'));
    // Yield between read and write so that a second holder would lose an update.
    await new Promise((resolve) => setTimeout(resolve, 1));
    // Replaced whole: a holder kill -9ed while writing must not leave a torn counter to the next one.
    const temp = counter + '.' + process.pid + '.tmp';
    await writeFile(temp, JSON.stringify({ count: count + 1 }));
    await rename(temp, counter);
    await rm(inside);
  });
  process.stdout.write('+');
}
`,
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let caseNumber = 0;
async function newCounter(): Promise<string> {
  const counter = join(dir, `counter-${++caseNumber}.json`);
  await writeFile(counter, JSON.stringify({ count: 0 }));
  return counter;
}

interface WorkerResult {
  code: number | null;
  signal: string | null;
  stderr: string;
  /** Increments done. */
  done: number;
}

function runWorker(counter: string, times: number, mode = ''): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [worker, counter, String(times), mode], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stderr, done: stdout.length }));
  });
}

async function count(counter: string): Promise<number> {
  return (JSON.parse(await readFile(counter, 'utf8')) as { count: number }).count;
}

function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}

function holderContent(pid: number): string {
  return JSON.stringify({ pid, hostname: hostname(), time: Date.now(), nonce: 'someone-else' });
}

describe('withFileLock across processes', () => {
  it('10 processes incrementing 20 times each lose no update', async () => {
    const counter = await newCounter();
    const results = await Promise.all(Array.from({ length: 10 }, () => runWorker(counter, 20)));
    for (const result of results) expect(result).toEqual({ code: 0, signal: null, stderr: '', done: 20 });
    expect(await count(counter)).toBe(200);
    expect((await readdir(dir)).filter((name) => name.startsWith(`counter-${caseNumber}.json.`))).toEqual([]);
  });

  it('a holder kill -9ed inside the lock does not block the others, who all break it at once', async () => {
    const counter = await newCounter();
    expect((await runWorker(counter, 1, 'die')).signal).toBe('SIGKILL');
    const results = await Promise.all(Array.from({ length: 10 }, () => runWorker(counter, 20)));
    for (const result of results) expect(result.code).toBe(0);
    expect(await count(counter)).toBe(200);
    // No break marker or lock left behind.
    expect((await readdir(dir)).filter((name) => name.startsWith(`counter-${caseNumber}.json.`))).toEqual([]);
  });

  it('many holders kill -9ed inside the lock: never two holders at once, no update lost', async () => {
    const counter = await newCounter();
    const results: WorkerResult[] = [];
    // 24 workers, 8 at a time, each dying inside the lock with a 15 % chance per increment.
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let i = 0; i < 3; i++) results.push(await runWorker(counter, 10, 'chaos'));
      }),
    );
    for (const result of results) {
      expect(result.stderr).toBe('');
      expect(result.code === 0 || result.signal === 'SIGKILL').toBe(true);
    }
    expect(results.some((result) => result.signal === 'SIGKILL')).toBe(true);
    expect(await count(counter)).toBe(results.reduce((sum, result) => sum + result.done, 0));
  });

  it('survivors finish when some workers are kill -9ed at random moments', async () => {
    const counter = await newCounter();
    const children = Array.from({ length: 8 }, () => {
      const child = spawn(process.execPath, [worker, counter, '20'], { stdio: 'ignore' });
      return { child, done: new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code))) };
    });
    for (const { child } of children.slice(0, 3)) {
      setTimeout(() => child.kill('SIGKILL'), 30 + Math.random() * 100);
    }
    const codes = await Promise.all(children.map(({ done }) => done));
    expect(codes.slice(3)).toEqual([0, 0, 0, 0, 0]);
    expect(await count(counter)).toBeGreaterThanOrEqual(5 * 20);
    expect(await count(counter)).toBeLessThanOrEqual(8 * 20);
  });
});

describe('withFileLock', () => {
  it('returns what fn returns and removes the lock', async () => {
    const file = join(dir, 'plain.json');
    await expect(withFileLock(file, async () => 42)).resolves.toBe(42);
    expect((await readdir(dir)).filter((name) => name.startsWith('plain.json'))).toEqual([]);
  });

  it('releases the lock when fn throws', async () => {
    const file = join(dir, 'throws.json');
    await expect(withFileLock(file, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(withFileLock(file, async () => 'again', { timeoutMs: 100 })).resolves.toBe('again');
  });

  it('serialises holders within one process too', async () => {
    const file = join(dir, 'inprocess.json');
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 10 }, () =>
        withFileLock(file, async () => {
          most = Math.max(most, ++inside);
          await new Promise((resolve) => setTimeout(resolve, 2));
          inside--;
        }),
      ),
    );
    expect(most).toBe(1);
  });

  it('breaks a lock whose holder pid is dead', async () => {
    const file = join(dir, 'dead.json');
    await writeFile(`${file}.lock`, holderContent(deadPid()));
    await expect(withFileLock(file, async () => 'got it', { timeoutMs: 1000 })).resolves.toBe('got it');
  });

  it('breaks a lock older than 30 s even if its holder looks alive', async () => {
    const file = join(dir, 'old.json');
    await writeFile(`${file}.lock`, holderContent(process.pid));
    const past = new Date(Date.now() - 60_000);
    await utimes(`${file}.lock`, past, past);
    await expect(withFileLock(file, async () => 'got it', { timeoutMs: 1000 })).resolves.toBe('got it');
  });

  it('breaks an old empty lock (creator killed before writing), waits on a fresh one', async () => {
    const file = join(dir, 'empty.json');
    await writeFile(`${file}.lock`, '');
    await expect(withFileLock(file, async () => 'no', { timeoutMs: 50 })).rejects.toThrow(/held by an unknown process/);
    const past = new Date(Date.now() - 60_000);
    await utimes(`${file}.lock`, past, past);
    await expect(withFileLock(file, async () => 'got it', { timeoutMs: 1000 })).resolves.toBe('got it');
  });

  it('times out with a one-line LockTimeoutError naming the lock file and the live holder pid', async () => {
    const file = join(dir, 'busy.json');
    const theirs = holderContent(process.pid);
    await writeFile(`${file}.lock`, theirs);
    const error = await withFileLock(file, async () => 'no', { timeoutMs: 100 }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(LockTimeoutError);
    const message = (error as Error).message;
    expect(message).toContain(`${file}.lock`);
    expect(message).toContain(`pid ${process.pid}`);
    expect(message).not.toContain('\n');
    // The holder's lock is left alone.
    expect(await readFile(`${file}.lock`, 'utf8')).toBe(theirs);
  });

  it('does not delete a lock that someone else took after ours was broken', async () => {
    const file = join(dir, 'stolen.json');
    const theirs = holderContent(process.pid);
    await withFileLock(file, async () => {
      await rm(`${file}.lock`);
      await writeFile(`${file}.lock`, theirs);
    });
    expect(await readFile(`${file}.lock`, 'utf8')).toBe(theirs);
  });

  it('passes file system errors to the caller as they are, without running fn', async () => {
    const file = join(dir, 'missing', 'x.json');
    let ran = false;
    await expect(
      withFileLock(file, async () => {
        ran = true;
      }),
    ).rejects.toMatchObject({ code: 'ENOENT' });
    expect(ran).toBe(false);
  });
});
