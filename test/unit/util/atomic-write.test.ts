import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeOrphanTempFiles, writeFileAtomic } from '../../../src/util/atomic-write.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'notifier-atomic-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A pid that certainly belonged to a process that has exited (and been reaped). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  return child.pid!;
}

describe('writeFileAtomic', () => {
  it('writes the data with the exact mode whatever the umask, leaving no temp file', async () => {
    const file = join(dir, 'config.json');
    for (const umask of [0o000, 0o077, 0o022]) {
      const previous = process.umask(umask);
      try {
        writeFileAtomic(file, `umask ${umask}`, { mode: 0o600 });
        expect((await stat(file)).mode & 0o777).toBe(0o600);
        writeFileAtomic(file, 'x', { mode: 0o644 });
        expect((await stat(file)).mode & 0o777).toBe(0o644);
      } finally {
        process.umask(previous);
      }
    }
    expect(await readFile(file, 'utf8')).toBe('x');
    expect(await readdir(dir)).toEqual(['config.json']);
  });

  it('replaces an existing file', async () => {
    const file = join(dir, 'a.json');
    await writeFile(file, 'old');
    writeFileAtomic(file, 'new', { mode: 0o600 });
    expect(await readFile(file, 'utf8')).toBe('new');
  });

  it('on failure removes its temp file and leaves the path untouched', async () => {
    // Renaming a file over a non-empty folder fails after the temp file was written.
    const target = join(dir, 'target');
    await mkdir(target);
    await writeFile(join(target, 'inside'), 'keep');
    expect(() => writeFileAtomic(target, 'data', { mode: 0o600 })).toThrow();
    expect((await readdir(dir)).sort()).toEqual(['target']);
    expect(await readFile(join(target, 'inside'), 'utf8')).toBe('keep');
  });

  it('fails when the folder does not exist', async () => {
    expect(() => writeFileAtomic(join(dir, 'missing', 'a.json'), 'x', { mode: 0o600 })).toThrow(
      expect.objectContaining({ code: 'ENOENT' }),
    );
  });
});

describe('removeOrphanTempFiles', () => {
  it('removes only the temp files of that basename whose writer is dead', async () => {
    const dead = deadPid();
    const names = [
      `.state.json.${dead}.0a1b2c.tmp`, // orphan: removed
      `.state.json.${process.pid}.0a1b2c.tmp`, // live writer
      `.other.json.${dead}.0a1b2c.tmp`, // another basename
      `.state.json.x.${dead}.0a1b2c.tmp`, // basename `state.json.x`
      'state.json',
    ];
    for (const name of names) await writeFile(join(dir, name), '');
    removeOrphanTempFiles(dir, 'state.json');
    expect((await readdir(dir)).sort()).toEqual(names.slice(1).sort());
  });

  it('ignores a missing folder', async () => {
    expect(removeOrphanTempFiles(join(dir, 'missing'), 'a.json')).toBeUndefined();
  });
});
