// How many notifications per second the local HipChat takes from one keep-alive client (not a test:
// nothing here asserts on time). The server runs in this process, the client in a child process, as a
// CI job would be. Run it with:
//
//   npx esbuild test/local-hipchat/throughput.ts --bundle --platform=node --format=esm --outfile=/tmp/throughput.mjs && node /tmp/throughput.mjs
//
// Options: node /tmp/throughput.mjs [COUNT] [--dataDir]   (COUNT default 20000; --dataDir persists to a temp folder)
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startLocalHipChat } from '../../src/local-hipchat/index.js';

interface Result {
  mode: string;
  count: number;
  ms: number;
  failures: number;
}

/** One agent, `inFlight` requests at a time (1: strictly one after the other on one connection). */
async function client(url: string, token: string, count: number, inFlight: number): Promise<Result> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: inFlight });
  const target = new URL(`${url}/v2/room/bulk/notification`);
  const post = (i: number): Promise<number> =>
    new Promise((resolve, reject) => {
      const body = JSON.stringify({ message: `bulk notification ${i}`, message_format: 'text', color: 'green', notify: false });
      const req = http.request(
        target,
        {
          method: 'POST',
          agent,
          headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  let next = 0;
  let failures = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < count) if ((await post(next++)) !== 204) failures += 1;
    }),
  );
  const ms = performance.now() - started;
  agent.destroy();
  return {
    mode: inFlight === 1 ? 'one connection, one request at a time' : `one agent, ${inFlight} keep-alive connections`,
    count,
    ms,
    failures,
  };
}

/**
 * One connection, HTTP/1.1 pipelining with up to `window` requests outstanding: a client that costs
 * almost nothing, so this measures the server rather than node:http's client.
 */
async function pipelined(url: string, token: string, count: number, window: number): Promise<Result> {
  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  socket.setNoDelay(true);
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  const request = (i: number): string => {
    const body = JSON.stringify({ message: `bulk notification ${i}`, message_format: 'text', color: 'green', notify: false });
    return (
      `POST /v2/room/bulk/notification HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAuthorization: Bearer ${token}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
    );
  };
  let sent = 0;
  let answered = 0;
  let failures = 0;
  // Counts a pattern over chunks: the kept tail is shorter than the pattern, so nothing is counted twice.
  const counter = (pattern: string) => {
    let tail = '';
    return (chunk: string): number => {
      const text = tail + chunk;
      tail = text.slice(-(pattern.length - 1));
      return text.split(pattern).length - 1;
    };
  };
  const responses = counter('HTTP/1.1 ');
  const noContent = counter('HTTP/1.1 204 ');
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    const fill = (): void => {
      let batch = '';
      while (sent < count && sent - answered < window) batch += request(sent++);
      if (batch !== '') socket.write(batch);
    };
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      const all = responses(chunk);
      answered += all;
      failures += all - noContent(chunk);
      if (answered >= count) resolve();
      else fill();
    });
    socket.on('error', reject);
    fill();
  });
  const ms = performance.now() - started;
  socket.destroy();
  return { mode: `one connection, pipelined (${window} in flight)`, count, ms, failures };
}

async function main(): Promise<void> {
  if (process.argv[2] === 'client') {
    const [, , , url, token, count, inFlight, mode] = process.argv;
    const run = mode === 'pipelined' ? pipelined : client;
    process.send?.(await run(url as string, token as string, Number(count), Number(inFlight)));
    return;
  }
  const count = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 20_000);
  const dataDir = process.argv.includes('--dataDir') ? mkdtempSync(path.join(tmpdir(), 'local-hipchat-bench-')) : undefined;
  const server = await startLocalHipChat({ noLimits: true, max: 10_000, ...(dataDir === undefined ? {} : { dataDir }) });
  const token = server.tokens[0] as string;
  // The ceiling on this machine, measured in the same run: a bare node:http server that reads the body
  // and answers 204, nothing else.
  const bare = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
  const bareUrl = `http://127.0.0.1:${(bare.address() as net.AddressInfo).port}`;
  const run = (url: string, inFlight: number, mode: string): Promise<Result> =>
    new Promise((resolve, reject) => {
      const child = fork(process.argv[1] as string, ['client', url, token, String(count), String(inFlight), mode]);
      child.once('message', (m) => resolve(m as Result));
      child.once('error', reject);
    });
  const rate = (r: Result): number => (r.count / r.ms) * 1000;
  console.log(`Node ${process.version}, ${count} notifications per run, noLimits, max 10000${dataDir ? ', with a dataDir' : ''}`);
  for (const [inFlight, mode] of [
    [1, 'http'],
    [8, 'http'],
    [32, 'pipelined'],
  ] as const) {
    // interleaved, best of two each, so that a busy moment of the machine hits both alike
    const ours: number[] = [];
    const ceiling: number[] = [];
    let label = '';
    for (let i = 0; i < 2; i++) {
      const r = await run(server.url, inFlight, mode);
      if (r.failures > 0) throw new Error(`${r.failures} answers were not 204`);
      label = r.mode;
      ours.push(rate(r));
      ceiling.push(rate(await run(bareUrl, inFlight, mode)));
    }
    const best = Math.max(...ours);
    const top = Math.max(...ceiling);
    console.log(
      `${label}: ${Math.round(best)} notifications/s (bare node:http server: ${Math.round(top)}/s, ratio ${(best / top).toFixed(2)})`,
    );
  }
  bare.close();
  const rss = process.memoryUsage().rss / 1024 / 1024;
  console.log(
    `server RSS after ${6 * count} notifications (${server.notifications({}, 1).length > 0 ? server.rooms()[0]?.retained : 0} retained): ${rss.toFixed(0)} MB`,
  );
  await server.close();
  if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
}

await main();
