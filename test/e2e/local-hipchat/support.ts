// What the start-local-hipchat end-to-end files share: a foreground server as a child process whose
// first stdout line (--json) says where it listens, and HTTP requests to a server the CLI started.
import { spawn, type ChildProcess } from 'node:child_process';
import { capturedOutputs, CLI, type Sandbox } from '../../support/cli.js';
import { waitFor } from '../../support/wait.js';

/** What `start-local-hipchat --json` prints. */
export interface Started {
  apiUrl: string;
  pageUrl: string;
  token: string;
  pid: number;
}

export interface Foreground {
  child: ChildProcess;
  /** The --json line, once printed. */
  started: Started;
  stdout(): string;
  stderr(): string;
  /** Waits for a stderr line matching `pattern` (a request's log line). */
  waitForLog(pattern: RegExp): Promise<void>;
  /** Sends the signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** `notifier start-local-hipchat --json <args>` in the foreground; resolves once it printed its --json line. */
export async function startForeground(sandbox: Sandbox, children: ChildProcess[], ...args: string[]): Promise<Foreground> {
  const child = spawn(process.execPath, [CLI, 'start-local-hipchat', '--json', ...args], {
    env: sandbox.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  void exited.then(() => capturedOutputs.push(stdout, stderr));
  await waitFor(
    () => stdout.includes('\n') || child.exitCode !== null,
    () => `the --json line of start-local-hipchat ${args.join(' ')}; stderr: ${stderr}`,
  );
  if (!stdout.includes('\n')) throw new Error(`start-local-hipchat ${args.join(' ')} exited ${child.exitCode}: ${stderr}`);
  return {
    child,
    started: JSON.parse(stdout.slice(0, stdout.indexOf('\n'))) as Started,
    stdout: () => stdout,
    stderr: () => stderr,
    waitForLog: (pattern) =>
      waitFor(
        () => pattern.test(stderr),
        () => `${pattern} in the server's log:\n${stderr}`,
      ),
    stop: (signal = 'SIGTERM') => {
      child.kill(signal);
      return exited;
    },
  };
}

export interface Answer {
  status: number;
  headers: Headers;
  json: unknown;
}

/** A request to a server the CLI started; `token` null sends none. */
export async function call(
  server: Pick<Started, 'apiUrl' | 'token'>,
  path: string,
  { method = 'GET', body, token = server.token }: { method?: string; body?: unknown; token?: string | null } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`${server.apiUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

/** The messages of a room's history, oldest first. */
export async function history(server: Pick<Started, 'apiUrl' | 'token'>, room: string): Promise<string[]> {
  const answer = await call(server, `/v2/room/${encodeURIComponent(room)}/history`);
  return (answer.json as { items: { message: string }[] }).items.map((item) => item.message);
}

/** Stops a server the CLI started through its API, whatever a test left behind (nothing if it is gone). */
export async function shutDown(server: Pick<Started, 'apiUrl' | 'token'>): Promise<void> {
  await call(server, '/_local/shutdown', { method: 'POST' }).catch(() => undefined);
}
