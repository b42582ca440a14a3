// Runs the CLI in a throw-away HOME, and keeps every output it captured so that a suite can check no
// secret ever leaked: the built CLI (bin/notifier.js) as a child process (runCli), or the current source's
// main() in this process (runInProcess), about 40 ms of CPU cheaper a run, for what needs no process of its own.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
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

/** What only a process of its own can do: a run that asks for one of these needs runCli. */
const PROCESS_ONLY = ['uid', 'gid', 'timeoutMs', 'under'] as const;

export interface InProcessOptions extends RunOptions {
  /** The arguments as bytes, as the real CLI reads them from /proc/self/cmdline (see src/cli/argv.ts). */
  rawArgv?: () => readonly Buffer[];
}

/** What a run in this process could change for every later test in the worker (isolate: false). */
function processState(): string {
  return JSON.stringify([process.exitCode, process.cwd(), process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]);
}

/**
 * The CLI's real entry point, main() of the current source, in this process: the same result as runCli
 * (code is main's exit code; there is no signal), for a command that only reads and writes files and
 * prints. It refuses what it cannot honour, and fails a run that changed this process's global state.
 */
export async function runInProcess(args: string[], options: InProcessOptions = {}): Promise<RunResult> {
  const needsProcess = PROCESS_ONLY.filter((name) => options[name] !== undefined);
  if (needsProcess.length > 0) throw new Error(`runInProcess cannot honour ${needsProcess.join(', ')}: use runCli`);
  const env = { ...options.env };
  // os.homedir() and the time zone of Date and Intl are this process's, whatever env says.
  if (!env.HOME) throw new Error("runInProcess needs env.HOME: without it the CLI would use this process's home");
  if (env.TZ !== undefined && env.TZ !== process.env.TZ) throw new Error('runInProcess cannot honour env.TZ: use runCli');
  const { main } = await import('../../src/cli/dispatch.js');
  let stdin: Readable | undefined;
  let stdout = '';
  let stderr = '';
  const before = processState();
  const code = await main({
    argv: [...args],
    env,
    // Built once, as process.stdin is: a command may look at it more than once.
    get stdin() {
      const bytes = options.input === undefined ? [] : [Buffer.from(options.input)];
      return (stdin ??= Readable.from(bytes.filter((chunk) => chunk.length > 0)));
    },
    get stderrStream(): NodeJS.WriteStream {
      throw new Error('an in-process run is not at a terminal: nothing may prompt');
    },
    isInteractive: async () => false,
    rawArgv: options.rawArgv,
    out: (text) => (stdout += text),
    err: (text) => (stderr += text),
  });
  capturedOutputs.push(stdout, stderr);
  const after = processState();
  if (after !== before) throw new Error(`notifier ${args.join(' ')} changed this process's state: ${before} -> ${after}`);
  return { code, signal: null, stdout, stderr };
}

export interface Sandbox {
  /** A fresh folder holding home/ and anything a test makes. */
  dir: string;
  home: string;
  /** The config file the CLI uses by default in this sandbox ($XDG_CONFIG_HOME/notifier/config.json). */
  configPath: string;
  stateDir: string;
  env: NodeJS.ProcessEnv;
  /** Runs the CLI the sandbox was made for: the built one (the default), or main() in this process. */
  run(args: string[], options?: RunOptions): Promise<RunResult>;
  /** Always the built CLI in a process of its own (uid/gid, timeouts, a real exit). */
  runBinary(args: string[], options?: RunOptions): Promise<RunResult>;
  remove(): void;
}

export interface SandboxOptions {
  /** run() calls runInProcess rather than spawning the built CLI. */
  inProcess?: boolean;
}

export function createSandbox(extraEnv: NodeJS.ProcessEnv = {}, options: SandboxOptions = {}): Sandbox {
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
  const withEnv =
    (runner: typeof runCli) =>
    (args: string[], runOptions: RunOptions = {}) =>
      runner(args, { ...runOptions, env: { ...env, ...runOptions.env } });
  return {
    dir,
    home,
    configPath: join(home, '.config', 'notifier', 'config.json'),
    stateDir: join(home, '.local', 'state', 'notifier'),
    env,
    run: withEnv(options.inProcess ? runInProcess : runCli),
    runBinary: withEnv(runCli),
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
