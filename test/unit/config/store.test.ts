// The config store in-process: names a user chose are plain keys (issue 14 #21), and a config file or
// folder others may change is refused, one others may read is warned about (issue 14 #3).
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/errors.js';
import { readConfig, updateConfig } from '../../../src/config/store.js';

let dir: string;
let path: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'notifier-store-'));
  path = join(dir, 'notifier', 'config.json');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function writeRaw(text: string, mode = 0o600): void {
  mkdirSync(join(dir, 'notifier'), { recursive: true, mode: 0o700 });
  writeFileSync(path, text, { mode });
  chmodSync(path, mode);
}

/** These files hold no token others may read: a warning would be a bug. */
const NO_WARNING = { warn: (text: string) => expect.fail(`unexpected warning: ${text}`) };

const NAMES = ['__proto__', 'constructor', 'hasOwnProperty', 'toString'];

describe('names a user chose', () => {
  it('issue 14 #21: targets named __proto__, constructor, hasOwnProperty are stored and read back as their own; Object.prototype stays clean', async () => {
    try {
      await updateConfig(path, (config) => {
        for (const name of NAMES) (config.targets[name] ??= {}).notification = { enabled: true };
      });
      expect(({} as Record<string, unknown>).notification).toBeUndefined();
      expect(Object.keys(JSON.parse(readFileSync(path, 'utf8')).targets)).toEqual(NAMES);
      const config = (await readConfig(path, NO_WARNING))!;
      for (const name of NAMES) {
        expect(Object.hasOwn(config.targets, name)).toBe(true);
        expect(config.targets[name]!.notification).toEqual({ enabled: true });
      }
      // A name not stored is not found, whatever Object.prototype has.
      expect(config.targets['valueOf']).toBeUndefined();
    } finally {
      delete (Object.prototype as Record<string, unknown>).notification;
    }
  });

  it("issue 14 #21: a target '__proto__' is checked like any other (zod would skip it)", async () => {
    writeRaw('{"version": 1, "targets": {"__proto__": {"notification": {"enabled": "yes"}}}}');
    await expect(readConfig(path, NO_WARNING)).rejects.toThrow(
      new ConfigError(
        `Config file ${path} is not a valid notifier configuration: targets.__proto__.notification.enabled: expected boolean`,
      ),
    );
  });

  it("issue 14 (minor): a top-level '__proto__' key is kept on rewrite, like other unknown keys", async () => {
    writeRaw('{"version": 1, "targets": {}, "__proto__": {"kept": true}, "\\u0000odd": 1, "extra": [{"__proto__": 2}]}');
    await updateConfig(path, (config) => {
      config.targets.server = { notification: { enabled: true } };
    });
    const written = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    expect(Object.keys(written)).toEqual(['version', 'targets', '__proto__', '\u0000odd', 'extra']);
    expect(Object.getOwnPropertyDescriptor(written, '__proto__')!.value).toEqual({ kept: true });
    expect(readFileSync(path, 'utf8')).toContain('"extra": [\n    {\n      "__proto__": 2\n    }\n  ]');
  });
});

describe('permissions', () => {
  const TOKENED =
    '{"version": 1, "targets": {"server": {"hipchat": {"enabled": true, "roomName": "ops", "token": "t0ken", "dynamic": false, "noisy": true, "apiUrl": "https://hipchat.example.com", "rateLimit": "30/60s"}}}}';

  it('issue 14 #3: a config file writable by others is refused, for reading and for writing', async () => {
    writeRaw(TOKENED, 0o666);
    const refusal = new ConfigError(
      `Config file ${path} is writable by group and others (mode 0666), so anyone could redirect its token: run chmod 600 ${path}`,
    );
    await expect(readConfig(path, NO_WARNING)).rejects.toThrow(refusal);
    await expect(updateConfig(path, () => {})).rejects.toThrow(refusal);
    chmodSync(path, 0o620);
    await expect(readConfig(path, NO_WARNING)).rejects.toThrow(/is writable by its group \(mode 0620\)/);
  });

  it('issue 14 #3: a config folder writable by others is refused; a sticky one (like /tmp) is not', async () => {
    writeRaw(TOKENED);
    const folder = join(dir, 'notifier');
    chmodSync(folder, 0o777);
    await expect(readConfig(path, NO_WARNING)).rejects.toThrow(
      new ConfigError(`Config folder ${folder} is writable by group and others (mode 0777); run chmod go-w ${folder}`),
    );
    chmodSync(folder, 0o1777);
    expect((await readConfig(path, NO_WARNING))?.targets.server?.hipchat?.roomName).toBe('ops');
  });

  it('issue 14 #3: a config file others may read is used, with a warning when it holds a token; a rewrite makes it 0600', async () => {
    writeRaw(TOKENED, 0o644);
    const warnings: string[] = [];
    await readConfig(path, { warn: (text) => warnings.push(text) });
    expect(warnings).toEqual([`Config file ${path} is readable by group and others (mode 0644) and holds a token: run chmod 600 ${path}`]);
    await updateConfig(path, () => {});
    await readConfig(path, { warn: (text) => warnings.push(text) });
    expect(warnings).toHaveLength(1);

    writeRaw('{"version": 1, "targets": {"server": {"notification": {"enabled": true}}}}', 0o644);
    await readConfig(path, { warn: (text) => warnings.push(text) });
    expect(warnings).toHaveLength(1);
  });
});
