// How start-local-hipchat and stop-local-hipchat find a running local HipChat server: every server the
// CLI runs (foreground or --detach) writes local-hipchat/<port>.json in the state folder (0600, folder
// 0700) once it listens, and removes it when it stops. The file says where it listens, which instance it
// is, and the token its shutdown needs; the server's health answer (GET /_local/health, no token) says
// whether that very instance still runs. Only HTTP, never a signal: a stale file can never make a command
// touch a process that is not ours.
import { readdirSync, readFileSync, unlinkSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { resolveStateDir } from '../../config/paths.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { errnoCode } from '../../util/errno.js';
import { makePrivateFolder, PRIVATE_FILE_MODE } from '../../util/file-modes.js';

export interface LocalServerState {
  pid: number;
  port: number;
  host: string;
  /** The base URL: notifier's --apiUrl (the HipChat API is under /v2). */
  apiUrl: string;
  pageUrl: string;
  instance: string;
  /** The first token the server accepts: what stop-local-hipchat authenticates its shutdown with. */
  token: string;
  startedAt: string;
  dataDir?: string;
}

const STATE_FILE = /^(\d{1,5})\.json$/;
const MAX_STATE_BYTES = 64 * 1024;
const MAX_ANSWER_BYTES = 64 * 1024;
const REQUEST_TIMEOUT_MS = 2000;

export function stateFolder(env: NodeJS.ProcessEnv): string {
  return join(resolveStateDir(env), 'local-hipchat');
}

export function stateFile(env: NodeJS.ProcessEnv, port: number): string {
  return join(stateFolder(env), `${port}.json`);
}

/** The state of a server that listens on `port`, written atomically (0600 in a 0700 folder). */
export function writeState(env: NodeJS.ProcessEnv, state: LocalServerState): string {
  makePrivateFolder(stateFolder(env));
  const path = stateFile(env, state.port);
  writeFileAtomic(path, `${JSON.stringify(state, null, 2)}\n`, { mode: PRIVATE_FILE_MODE, durable: false });
  return path;
}

function isState(value: unknown): value is LocalServerState {
  const state = value as Partial<LocalServerState> | null;
  return (
    typeof state === 'object' &&
    state !== null &&
    Number.isSafeInteger(state.pid) &&
    Number.isSafeInteger(state.port) &&
    typeof state.host === 'string' &&
    typeof state.apiUrl === 'string' &&
    /^https?:\/\//.test(state.apiUrl) &&
    typeof state.pageUrl === 'string' &&
    typeof state.instance === 'string' &&
    typeof state.token === 'string' &&
    typeof state.startedAt === 'string'
  );
}

/** The state in `path`; undefined when there is none, or it is not one of ours. */
export function readState(path: string): LocalServerState | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  if (text.length > MAX_STATE_BYTES) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    return isState(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Every state file of the folder, by port. */
export function listStates(env: NodeJS.ProcessEnv): { path: string; state: LocalServerState }[] {
  let names: string[];
  try {
    names = readdirSync(stateFolder(env));
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return [];
    throw error;
  }
  return names
    .filter((name) => STATE_FILE.test(name))
    .map((name) => ({ path: join(stateFolder(env), name), state: readState(join(stateFolder(env), name)) }))
    .filter((entry): entry is { path: string; state: LocalServerState } => entry.state !== undefined)
    .sort((a, b) => a.state.port - b.state.port);
}

/** Removes the state file if it still names `pid` (a newer server on the same port keeps its own). */
export function removeState(path: string, pid: number): void {
  if (readState(path)?.pid !== pid) return;
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

interface Answer {
  status: number;
  json: unknown;
}

/** One small request to a local server; undefined when nothing answers (refused, reset, timed out). */
function request(url: string, method: string, token?: string): Promise<Answer | undefined> {
  return new Promise((resolve) => {
    const req = http.request(url, {
      method,
      agent: false,
      timeout: REQUEST_TIMEOUT_MS,
      headers: token === undefined ? {} : { Authorization: `Bearer ${token}` },
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        // Bounded: a server that is not ours could send anything.
        if (text.length > MAX_ANSWER_BYTES) req.destroy();
      });
      res.on('error', () => resolve(undefined));
      res.on('close', () => resolve(undefined)); // cut short (nothing after an 'end' counts)
      res.on('end', () => {
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, json });
      });
    });
    req.end();
  });
}

/** True when the server at state.apiUrl answers its health check as this very instance (and pid). */
export async function isRunning(state: LocalServerState): Promise<boolean> {
  const answer = await request(`${state.apiUrl}/_local/health`, 'GET');
  const health = answer?.json as { instance?: unknown; pid?: unknown } | undefined;
  return answer?.status === 200 && health?.instance === state.instance && health.pid === state.pid;
}

/** Asks the server to stop (POST /_local/shutdown with its token): true when it took the request (202). */
export async function requestShutdown(state: LocalServerState): Promise<boolean> {
  return (await request(`${state.apiUrl}/_local/shutdown`, 'POST', state.token))?.status === 202;
}
