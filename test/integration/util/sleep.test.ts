// The deadline of an exchange: an answer that came while the process got no CPU (a loaded runner) is read
// before the deadline that passed meanwhile is called, on real sockets.
import { once } from 'node:events';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { deadline } from '../../../src/util/sleep.js';

/** Holds the event loop, as a process that gets no CPU for that long. */
function starve(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

const nextCheckPhase = () => new Promise((resolve) => setImmediate(resolve));

let cleanUp: (() => void)[] = [];
afterEach(() => {
  for (const step of cleanUp) step();
  cleanUp = [];
});

/** A connected client whose server writes `answer` when asked; the answer is in the client's socket buffer once write() returns. */
async function connectedPair(): Promise<{ client: net.Socket; answer: () => void }> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'connection') as Promise<[net.Socket]>;
  const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  const [[peer]] = await Promise.all([accepted, once(client, 'connect')]);
  cleanUp.push(() => (client.destroy(), peer.destroy(), server.close()));
  return { client, answer: () => peer.write('answer') };
}

describe('deadline', () => {
  it('an answer that arrived while the process was starved past the deadline wins', async () => {
    const { client, answer } = await connectedPair();
    let expired = false;
    const cancel = deadline(20, () => (expired = true));
    const answered = once(client, 'data').then(cancel);
    answer();
    starve(100);
    await answered;
    // Had the deadline been called, its immediate (queued in the timers phase) would have run before this one.
    await nextCheckPhase();
    expect(expired).toBe(false);
  });

  it('expires when no answer comes', async () => {
    const { client } = await connectedPair();
    let answered = false;
    client.on('data', () => (answered = true));
    await new Promise<void>((resolve) => deadline(20, resolve));
    expect(answered).toBe(false);
  });

  it('does not expire once cancelled', async () => {
    let expired = false;
    const cancel = deadline(1, () => (expired = true));
    cancel();
    // A later deadline's call comes after the cancelled one would have come.
    await new Promise<void>((resolve) => deadline(5, resolve));
    expect(expired).toBe(false);
  });
});
