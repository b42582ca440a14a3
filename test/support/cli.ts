// Runs the built CLI (bin/notifier.js) as a child process in a throw-away HOME, and keeps every
// output it captured so that a suite can check no secret ever leaked.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = join(PROJECT_ROOT, 'bin', 'notifier.js');

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  /** Written to stdin, which is then closed; without it stdin is empty (closed at once). */
  input?: string | Buffer;
  /** Run as this uid/gid (root-run suites use it to meet permission checks root would bypass). */
  uid?: number;
  gid?: number;
  timeoutMs?: number;
  /** A command the CLI runs under, e.g. ['faketime', '-f', '+30s'] for a machine whose clock is ahead. */
  under?: string[];
}

/** Everything any run printed, for the secret scan at the end of a suite. */
export const capturedOutputs: string[] = [];

export function runCli(args: string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const [command, ...prefix] = [...(options.under ?? []), process.execPath];
    const child = spawn(command!, [...prefix, CLI, ...args], {
      env: options.env ?? {},
      stdio: ['pipe', 'pipe', 'pipe'],
      uid: options.uid,
      gid: options.gid,
      timeout: options.timeoutMs ?? 30_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdin.on('error', () => {}); // the CLI may exit before reading all of stdin
    child.stdin.end(options.input ?? '');
    child.on('error', reject);
    child.on('close', (code, signal) => {
      capturedOutputs.push(stdout, stderr);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

export interface Sandbox {
  /** A fresh folder holding home/ and anything a test makes. */
  dir: string;
  home: string;
  /** The config file the CLI uses by default in this sandbox ($XDG_CONFIG_HOME/notifier/config.json). */
  configPath: string;
  stateDir: string;
  env: NodeJS.ProcessEnv;
  run(args: string[], options?: RunOptions): Promise<RunResult>;
  remove(): void;
}

export function createSandbox(extraEnv: NodeJS.ProcessEnv = {}): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), 'notifier-test-'));
  // Readable by an unprivileged uid too (see permissionTestIds).
  chmodSync(dir, 0o755);
  const home = join(dir, 'home');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_STATE_HOME: join(home, '.local', 'state'),
    ...extraEnv,
  };
  return {
    dir,
    home,
    configPath: join(home, '.config', 'notifier', 'config.json'),
    stateDir: join(home, '.local', 'state', 'notifier'),
    env,
    run: (args, options = {}) => runCli(args, { ...options, env: { ...env, ...options.env } }),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

const NOBODY = 65534;

/**
 * Permission tests (an unreadable file, a read-only folder) mean nothing to root, and CI runs as root.
 * Root-run suites therefore run those cases as 'nobody', when that uid can run node from here;
 * undefined when it cannot (the caller skips, saying why).
 */
export function permissionTestIds(): Pick<RunOptions, 'uid' | 'gid'> | undefined {
  if (process.getuid?.() !== 0) return {};
  const probe = spawnSync(process.execPath, [CLI, '--version'], { uid: NOBODY, gid: NOBODY, env: {} });
  return probe.status === 0 ? { uid: NOBODY, gid: NOBODY } : undefined;
}

/** Lines that look like a stack trace ('    at fn (file:1:2)'). */
export function hasStackTrace(text: string): boolean {
  return /^\s+at .+[:(]/m.test(text);
}
