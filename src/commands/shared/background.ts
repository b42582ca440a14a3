// Running this same CLI in the background, for the start commands' --detach. The child is
// `notifier <args>` (the caller leaves --detach out), in a session of its own (a Ctrl-C or a hang-up of
// the terminal does not reach it), with its stdout and stderr appended to a log file in the state folder
// and its stdin fed with `input` (secrets that must stay out of argv, and so out of `ps`) or empty.
// The caller says what "ready" means (a pid file names the child; a server answers its health check as
// the child); startInBackground() returns once it is, and fails with the child's own last words when the
// child exits first, or stops it when it is not ready in time.
import { spawn } from 'node:child_process';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { dirname } from 'node:path';
import { describeErrno } from '../../util/errno.js';
import { UnsafePathError } from '../../util/errors.js';
import { makePrivateFolder } from '../../util/file-modes.js';
import { openPrivateAppend } from '../../util/safe-fs.js';
import { abortableSleep } from '../../util/sleep.js';
import { BackgroundProcessError } from './errors.js';

export interface BackgroundStart<T> {
  /** What is started, for messages: 'The local HipChat server'. */
  what: string;
  /** The subcommand and its options, e.g. ['start-local-hipchat', '--port=8080', '--token=-']. */
  args: string[];
  env: NodeJS.ProcessEnv;
  /** The child's stdout and stderr are appended to it (created 0600, its folder 0700; never through a link). */
  logPath: string;
  /** Written to the child's stdin, which is then closed; without it the child's stdin is empty. */
  input?: string;
  /** Asked until it gives a value, with the child's pid: the child is ready then. */
  ready(pid: number): Promise<T | undefined> | T | undefined;
  /** How long the child may take to be ready (default 30 s); then it is stopped. */
  timeoutMs?: number;
  /** How often ready() is asked (default 50 ms). */
  pollMs?: number;
}

export interface Started<T> {
  pid: number;
  logPath: string;
  /** What ready() gave. */
  ready: T;
}

/** Node's start alone can take seconds on a loaded CI machine. */
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_POLL_MS = 50;
/** How much of the end of the log is read for the child's last words. */
const TAIL_BYTES = 4096;

/** The last line the child wrote since `offset` (not the "Command … failed." line), on one line. */
function lastWords(logPath: string, offset: number): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(logPath, 'r');
    const size = fstatSync(fd).size;
    const start = Math.max(offset, size - TAIL_BYTES);
    const buffer = Buffer.alloc(Math.max(0, size - start));
    const text = buffer.toString('utf8', 0, readSync(fd, buffer, 0, buffer.length, start));
    const lines = text
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !/^Command \S+ (failed|executed successfully)\.$/.test(line));
    const last = lines[lines.length - 1];
    return last?.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').slice(0, 300);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function openLog(logPath: string): number {
  try {
    makePrivateFolder(dirname(logPath));
    return openPrivateAppend(logPath, 'Log file');
  } catch (error) {
    if (error instanceof UnsafePathError) throw error;
    throw new BackgroundProcessError(`Cannot open the log file ${logPath}: ${describeErrno(error)}`, { cause: error });
  }
}

/** Starts `notifier <args>` in the background and waits until it is ready (see the top of this file). */
export async function startInBackground<T>(start: BackgroundStart<T>): Promise<Started<T>> {
  const { what, logPath } = start;
  const log = openLog(logPath);
  const offset = fstatSync(log).size;
  const child = (() => {
    try {
      return spawn(process.execPath, [process.argv[1]!, ...start.args], {
        detached: true,
        stdio: [start.input === undefined ? 'ignore' : 'pipe', log, log],
        env: start.env,
      });
    } finally {
      closeSync(log);
    }
  })();
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => resolve(signal ? `killed by ${signal}` : `exit ${code}`));
    child.once('error', (error) => resolve(error.message));
  });
  if (start.input !== undefined) {
    // A child that dies at once closes its end first: its exit says more than EPIPE would.
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(start.input);
  }
  child.unref();
  const pid = child.pid;
  const failed = async (how: string): Promise<never> => {
    const words = lastWords(logPath, offset);
    throw new BackgroundProcessError(`${what} did not start (${how})${words ? `: ${words}` : ''}; see ${logPath}`);
  };
  if (pid === undefined) return failed(await exited);

  const deadline = Date.now() + (start.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const pollMs = start.pollMs ?? DEFAULT_POLL_MS;
  for (;;) {
    const ready = await start.ready(pid);
    if (ready !== undefined) return { pid, logPath, ready };
    if (child.exitCode !== null || child.signalCode !== null) return failed(await exited);
    if (Date.now() > deadline) break;
    const ended = await Promise.race([exited, abortableSleep(pollMs).then(() => undefined)]);
    if (ended !== undefined) return failed(ended);
  }
  // Still our child, not yet reaped: its pid cannot belong to another process, so stopping it is safe.
  child.kill('SIGTERM');
  return failed(`not ready within ${(start.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000} s, so it was stopped`);
}
