// The spool on its own: what it keeps when the disk refuses a write (issue 14 #4), and what survives a
// restart (issue 14 #6). The service's use of it is in service.test.ts.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RoomNotification } from '../../../src/notifier/message.js';
import { Spool } from '../../../src/service/spool.js';

let dir: string;
let folder: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'notifier-spool-'));
  folder = join(dir, 'spool');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const note = (message: string): RoomNotification => ({ message, messageFormat: 'text', color: 'gray', notify: false });
/** Every write into the folder fails (ENOTDIR), as on a full or read-only disk; restore() undoes it. */
function breakDisk(): () => void {
  renameSync(folder, join(dir, 'kept'));
  writeFileSync(folder, '');
  return () => {
    rmSync(folder);
    renameSync(join(dir, 'kept'), folder);
  };
}
const drain = (spool: Spool): string[] => {
  const out: string[] = [];
  for (let item = spool.oldest(); item; item = spool.oldest()) {
    out.push(item.notification.message);
    spool.remove(item.sequence);
  }
  return out;
};

describe('a disk that refuses writes', () => {
  it('issue 14 #4: keeps what it could not write in memory, in order, bounded, and writes it at the next flush', () => {
    const spool = new Spool(folder, 3);
    const restore = breakDisk();
    const failed = spool.append(note('a'));
    expect(failed.dropped).toBe(0);
    expect(failed.error).toMatchObject({ code: 'ENOTDIR' });
    // Behind one that waits in memory: no write is tried, and the order stays.
    expect(spool.append(note('b'))).toEqual({ dropped: 0 });
    expect(spool.append(note('c'))).toEqual({ dropped: 0 });
    expect(spool.append(note('d')).dropped).toBe(1);
    expect([spool.size, spool.unwritten, spool.dirty]).toEqual([3, 3, true]);
    expect(spool.flush()).toMatchObject({ code: 'ENOTDIR' });

    restore();
    expect(spool.flush()).toBeUndefined();
    expect([spool.unwritten, spool.dirty]).toEqual([0, false]);
    // What a restart finds: b, c, d on disk (a was dropped from the full spool), and the count.
    const restarted = new Spool(folder, 3);
    expect(restarted.dropped).toBe(1);
    expect(drain(restarted)).toEqual(['b', 'c', 'd']);
  });

  it('issue 14 #6: the dropped count is kept across instances until it is reported', () => {
    const spool = new Spool(folder, 1);
    spool.append(note('a'));
    spool.append(note('b'));
    spool.append(note('c'));
    expect(new Spool(folder, 1).dropped).toBe(2);
    spool.reported(2);
    expect(new Spool(folder, 1).dropped).toBe(0);
    expect(existsSync(join(folder, 'dropped'))).toBe(false);
  });

  it('a start removes temp files left by a killed write, and a lower limit drops the oldest (counted)', () => {
    mkdirSync(folder, { mode: 0o700 });
    for (const index of [1, 2, 3])
      writeFileSync(join(folder, `00000000000${index}.json`), JSON.stringify(note(`m${index}`)), { mode: 0o600 });
    writeFileSync(join(folder, '.000000000004.json.123.abc.tmp'), '{"mess');
    const spool = new Spool(folder, 2);
    expect(readdirSync(folder).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    expect([spool.size, spool.dropped]).toEqual([2, 1]);
    expect(drain(spool)).toEqual(['m2', 'm3']);
  });
});
