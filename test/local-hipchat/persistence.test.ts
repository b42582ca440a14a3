// Retention and the data folder: notifications written before the 204, reloaded on start with `max`
// applied, private files, no symlinks followed, one server per folder, compaction.
import { spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalHipChatDataError, startLocalHipChat, type LocalHipChatOptions } from '../../src/local-hipchat/index.js';
import { get, send, server, tempDir } from './support.js';

const DATA = 'notifications.jsonl';
const lines = (dir: string): string[] => readFileSync(path.join(dir, DATA), 'utf8').split('\n').filter(Boolean);

async function restart(s: { close(): Promise<void> }, options: LocalHipChatOptions) {
  await s.close();
  return server(options);
}

describe('retention', () => {
  it('keeps the newest max per room and counts the dropped ones', async () => {
    const s = await server({ max: 3 });
    for (let i = 1; i <= 5; i++) await send(s, { message: `ops ${i}` });
    await send(s, { message: 'ci 1' }, { room: 'ci' });
    expect(s.notifications({ room: 'ops' }).map((n) => n.message)).toEqual(['ops 3', 'ops 4', 'ops 5']);
    expect(s.rooms().map((r) => [r.name, r.retained, r.dropped])).toEqual([
      ['ops', 3, 2],
      ['ci', 1, 0],
    ]);
    const history = (await get(s, '/v2/room/ops/history')).json as { items: { message: string }[] };
    expect(history.items.map((i) => i.message)).toEqual(['ops 3', 'ops 4', 'ops 5']);
    const page = await get(s, '/rooms/ops', null);
    expect(page.text).toMatch(/<span data-field="retained">3<\/span> retained · <span data-field="dropped">2<\/span> dropped/);
  });
});

describe('data folder', () => {
  it('writes each notification before answering, in private files', async () => {
    const dir = path.join(tempDir(), 'data');
    const s = await server({ dataDir: dir });
    expect(s.dataDir).toBe(dir);
    expect((await send(s, { message: 'first' })).status).toBe(204);
    // the 204 came after the write: the line is there already
    expect(lines(dir).map((l) => JSON.parse(l))).toMatchObject([
      { t: 'r', id: 1, name: 'ops' },
      { t: 'n', seq: 1, roomId: 1, message: 'first' },
    ]);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(dir, DATA)).mode & 0o777).toBe(0o600);
    expect(readFileSync(path.join(dir, 'lock'), 'utf8').trim()).toBe(String(process.pid));
    await s.close();
    expect(existsSync(path.join(dir, 'lock'))).toBe(false);
  });

  it('loses nothing across a restart, and applies max when loading', async () => {
    const dir = tempDir();
    let s = await server({ dataDir: dir });
    await send(s, { name: 'empty room', topic: 'quiet' }, { path: '/v2/room' });
    for (let i = 1; i <= 5; i++) await send(s, { message: `ops ${i}`, color: 'green', from: 'CI' });
    await send(s, { message: 'ci', card: { style: 'link', title: 'Card' } }, { room: 'ci' });
    await send(s, { message: 'user words' }, { path: '/v2/room/ci/message' });
    const before = ((await get(s, '/v2/room/ops/history')).json as { items: unknown[] }).items;

    s = await restart(s, { dataDir: dir });
    expect(((await get(s, '/v2/room/ops/history')).json as { items: unknown[] }).items).toEqual(before);
    expect(s.rooms().map((r) => [r.id, r.name, r.retained])).toEqual([
      [1, 'empty room', 0],
      [2, 'ops', 5],
      [3, 'ci', 2],
    ]);
    expect(((await get(s, '/v2/room/empty%20room')).json as { topic: string }).topic).toBe('quiet');
    expect(s.notifications({ room: 'ci' }).map((n) => [n.type, n.message, n.card?.title])).toEqual([
      ['notification', 'ci', 'Card'],
      ['message', 'user words', undefined],
    ]);
    await send(s, { message: 'after restart' }, { room: 'new' });
    expect(s.notifications({ room: 'new' })[0]).toMatchObject({ seq: 8, roomId: 4 }); // numbering goes on

    s = await restart(s, { dataDir: dir, max: 2 });
    expect(s.notifications({ room: 'ops' }).map((n) => n.message)).toEqual(['ops 4', 'ops 5']);
    expect(s.rooms().find((r) => r.name === 'ops')).toMatchObject({ retained: 2, dropped: 3 });
    // the dropped count survives a compaction and another restart
    s = await restart(s, { dataDir: dir, max: 2 });
    expect(s.rooms().find((r) => r.name === 'ops')).toMatchObject({ retained: 2, dropped: 3 });
  });

  it('keeps cleared notifications cleared after a restart', async () => {
    const dir = tempDir();
    let s = await server({ dataDir: dir });
    await send(s, { message: 'a' });
    await send(s, { message: 'b' }, { room: 'ci' });
    s.clear('ops');
    s = await restart(s, { dataDir: dir });
    expect(s.notifications().map((n) => n.message)).toEqual(['b']);
    expect(s.rooms().map((r) => r.name)).toEqual(['ops', 'ci']);
  });

  it('skips a torn last line (a crash mid-write) and rewrites the file clean', async () => {
    const dir = tempDir();
    let s = await server({ dataDir: dir });
    await send(s, { message: 'kept' });
    await s.close();
    appendFileSync(path.join(dir, DATA), '{"t":"n","seq":2,"roomId":1,"mess');
    s = await server({ dataDir: dir });
    expect(s.notifications().map((n) => n.message)).toEqual(['kept']);
    expect(lines(dir)).toHaveLength(2);
    await send(s, { message: 'next' });
    s = await restart(s, { dataDir: dir });
    expect(s.notifications().map((n) => n.message)).toEqual(['kept', 'next']);
  });

  it('gives loaded fields their types back, so a doctored file cannot put markup on the page', async () => {
    const dir = tempDir();
    const date = '2026-01-01T00:00:00.000+00:00';
    const bad = {
      t: 'n',
      seq: 1,
      id: 'x',
      roomId: 1,
      date,
      type: 'notification',
      message: 'm',
      message_format: 'html',
      color: '"><script>alert(1)</script>',
      from: 5,
      card: 'no',
    };
    writeFileSync(path.join(dir, DATA), `${JSON.stringify({ t: 'r', id: 1, name: 'ops', created: date })}\n${JSON.stringify(bad)}\n`);
    const s = await server({ dataDir: dir });
    expect(s.notifications()[0]).toMatchObject({ from: '', notify: false, color: undefined, card: undefined });
    const page = (await get(s, '/rooms/ops', null)).text;
    expect(page).toContain('<li class="n n-yellow" id="n-1" data-seq="1">');
    expect(page).not.toContain('<script>alert');
  });

  it('leaves out rooms no longer allowed by `rooms`', async () => {
    const dir = tempDir();
    let s = await server({ dataDir: dir });
    await send(s, { message: 'a' }, { room: 'ops' });
    await send(s, { message: 'b' }, { room: 'old' });
    s = await restart(s, { dataDir: dir, rooms: ['ops', 'dev'] });
    expect(s.rooms().map((r) => r.name)).toEqual(['ops', 'dev']);
    expect(s.notifications().map((n) => n.message)).toEqual(['a']);
  });

  // A data file as a long run would leave it: one room, `count` notifications.
  function writeHistory(dir: string, count: number): void {
    const date = '2026-01-01T00:00:00.000+00:00';
    const rows = [JSON.stringify({ t: 'r', id: 1, name: 'ops', created: date })];
    for (let seq = 1; seq <= count; seq++) {
      rows.push(
        JSON.stringify({
          t: 'n',
          seq,
          id: `id-${seq}`,
          roomId: 1,
          date,
          type: 'notification',
          message: `n${seq}`,
          message_format: 'text',
          color: 'yellow',
          from: '',
          notify: false,
        }),
      );
    }
    writeFileSync(path.join(dir, DATA), `${rows.join('\n')}\n`, { mode: 0o600 });
  }

  it('compacts once dead lines outnumber the live ones (plus 1000), keeping the file small', async () => {
    const dir = tempDir();
    writeHistory(dir, 1000); // with max 5: 995 dead lines, not yet enough
    const s = await server({ dataDir: dir, max: 5 });
    expect(lines(dir)).toHaveLength(1001);
    for (let i = 0; i < 10; i++) await send(s, { message: `new ${i}` });
    // the 6th send made 1001 dead lines: rewritten to the room and its 5 retained, then 4 more appended
    expect(lines(dir)).toHaveLength(10);
    const again = await restart(s, { dataDir: dir, max: 5 });
    expect(again.notifications().map((n) => n.message)).toEqual(['new 5', 'new 6', 'new 7', 'new 8', 'new 9']);
    expect(again.rooms()[0]).toMatchObject({ retained: 5, dropped: 1005 });
    expect(again.notifications()[4]?.seq).toBe(1010);
  });

  it('compacts on start a file that holds far more than max keeps', async () => {
    const dir = tempDir();
    writeHistory(dir, 3000);
    const s = await server({ dataDir: dir, max: 10 });
    expect(lines(dir)).toHaveLength(11);
    expect(s.rooms()[0]).toMatchObject({ retained: 10, dropped: 2990 });
  });

  it('tightens an existing folder to 0700 and the file to 0600', async () => {
    const dir = tempDir();
    chmodSync(dir, 0o755);
    writeFileSync(path.join(dir, DATA), '', { mode: 0o644 });
    chmodSync(path.join(dir, DATA), 0o644);
    await server({ dataDir: dir });
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(dir, DATA)).mode & 0o777).toBe(0o600);
  });

  it('refuses symlinks: as the folder or as the data file', async () => {
    const root = tempDir();
    const real = path.join(root, 'real');
    mkdirSync(real, { mode: 0o700 });
    symlinkSync(real, path.join(root, 'link'));
    await expect(startLocalHipChat({ dataDir: path.join(root, 'link') })).rejects.toThrow(LocalHipChatDataError);
    const dir = path.join(root, 'data');
    mkdirSync(dir, { mode: 0o700 });
    writeFileSync(path.join(root, 'elsewhere'), '');
    symlinkSync(path.join(root, 'elsewhere'), path.join(dir, DATA));
    const error = await startLocalHipChat({ dataDir: dir }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(LocalHipChatDataError);
    expect((error as Error).message).toMatch(/symbolic link/);
    expect(existsSync(path.join(dir, 'lock'))).toBe(false); // released after the failure
    expect(readFileSync(path.join(root, 'elsewhere'), 'utf8')).toBe('');
  });

  it('lets one server use a folder at a time; a lock left by a dead process is taken over', async () => {
    const dir = tempDir();
    const s = await server({ dataDir: dir });
    await send(s, { message: 'x' });
    const second = await startLocalHipChat({ dataDir: dir }).catch((err: unknown) => err);
    expect(second).toBeInstanceOf(LocalHipChatDataError);
    expect((second as Error).message).toBe(`The data folder ${dir} is in use by process ${process.pid} (another local HipChat server)`);
    await s.close();
    const dead = spawnSync(process.execPath, ['-e', '0']).pid as number; // a pid that just exited
    writeFileSync(path.join(dir, 'lock'), `${dead}\n`);
    const third = await server({ dataDir: dir });
    expect(third.rooms()).toHaveLength(1);
  });
});
