// Helpers shared by the local HipChat tests: servers closed after each test, requests sent as a client
// would (real sockets, port 0), temporary folders instead of the real HOME.
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { onTestFinished } from 'vitest';
import type { LocalHipChat, LocalHipChatOptions } from '../../src/local-hipchat/index.js';
import { startHipChatServer, TEST_TOKEN } from '../support/hipchat-server.js';

export { TEST_TOKEN };

/**
 * Closed when the test that called it ends. Not by an afterEach of this module: a worker runs file after file
 * with the modules it loaded kept (isolate: false), so a hook registered at import held for its first file only,
 * and the servers and folders of the others were left behind.
 */
export function closeLater<T extends { close(): Promise<void> | void }>(thing: T): T {
  onTestFinished(() => thing.close());
  return thing;
}

/** The test suite's server (test/support/hipchat-server.ts: TEST_TOKEN, recording on, no limits unless given), closed after the test. */
export async function server(options: LocalHipChatOptions = {}): Promise<LocalHipChat> {
  return closeLater(await startHipChatServer(options));
}

/** A temporary folder, removed after the test. */
export function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'local-hipchat-'));
  closeLater({ close: () => rmSync(dir, { recursive: true, force: true }) });
  return dir;
}

export interface SendOptions {
  room?: string; // encoded as one path segment
  path?: string; // used verbatim instead of the notification path
  token?: string | null; // null: no Authorization header
  contentType?: string;
  raw?: string; // body sent as is instead of JSON-encoding `body`
  method?: string;
  headers?: Record<string, string>;
}

export interface Sent {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

export async function send(s: { url: string }, body: unknown, o: SendOptions = {}): Promise<Sent> {
  const target = o.path ?? `/v2/room/${encodeURIComponent(o.room ?? 'ops')}/notification`;
  const headers: Record<string, string> = { 'Content-Type': o.contentType ?? 'application/json', ...o.headers };
  if (o.token !== null) headers.Authorization = `Bearer ${o.token ?? TEST_TOKEN}`;
  const method = o.method ?? 'POST';
  const res = await fetch(s.url + target, {
    method,
    headers,
    body: method === 'GET' || method === 'HEAD' ? undefined : (o.raw ?? JSON.stringify(body)),
  });
  const text = await res.text();
  const json = res.headers.get('content-type') === 'application/json' ? (JSON.parse(text) as unknown) : undefined;
  return { status: res.status, headers: res.headers, text, json };
}

/** GET with the token, parsed JSON. */
export async function get(s: { url: string }, target: string, token: string | null = TEST_TOKEN): Promise<Sent> {
  return send(s, undefined, { path: target, method: 'GET', token });
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

export function collect(req: http.ClientRequest, body?: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A request whose path is sent exactly as given (fetch would normalize `%2E` segments away). */
export function rawRequest(
  s: { port: number },
  method: string,
  target: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  const req = http.request({
    host: '127.0.0.1',
    port: s.port,
    method,
    path: target,
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TEST_TOKEN}`, ...headers },
    agent: false,
  });
  return collect(req, body);
}

export const jsonHeaders = { 'Content-Type': 'application/json', Authorization: `Bearer ${TEST_TOKEN}` };
