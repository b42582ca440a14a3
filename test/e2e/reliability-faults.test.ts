// Faults between notifier and HipChat, for one notification and for a --ndjson batch of 20: transient ones
// within the budget lose nothing and keep the order, beyond it exit 75 saying what happened; refusals are
// never retried and exit 1, naming the status and HipChat's message.
import { STATUS_CODES } from 'node:http';
import { describe, expect, it, type TestContext } from 'vitest';
import type { Sandbox } from '../support/cli.js';
import { startHipChatServer, type Fault, type HipChatTestServer, type WindowLimit } from '../support/hipchat-server.js';
import {
  checkSecretsAfterAll,
  deliveredMessages,
  failureReason,
  ndjsonBatch,
  scannedSandbox,
  SEND,
  writeConfig,
} from '../support/reliability.js';

checkSecretsAfterAll();

/** Answered normally: queued in front of a fault, it makes the fault land on a chosen request. */
const PASS: Fault = { kind: 'delay', ms: 0 };
const BATCH = 20;
/** A window that ends far beyond any --maxWait here, but within the 15 minutes a reset is believed for. */
const TEN_MINUTES: WindowLimit = { limit: 1000, windowMs: 600_000 };

interface TransientCase {
  name: string;
  fault: Fault;
  /** Options that give a budget one fault per notification stays within. */
  within: string[];
  /** The earliest time (epoch ms) the contract lets a resend follow a fault received at `at`. */
  earliestResend?: (at: number) => number;
  exceeded: {
    args: string[];
    /** Faults in a row on the notification that exceeds the budget. */
    faults: number;
    /** Server windows that make a 429's wait long. */
    limits?: { tokenLimit: WindowLimit; floodLimit: WindowLimit };
    reason: RegExp;
  };
}

const HOST = String.raw`127\.0\.0\.1:\d+`;

function serverError(status: number): TransientCase {
  return {
    name: `${status} ${STATUS_CODES[status]}`,
    fault: { kind: 'status', status },
    within: ['--retries=1'],
    exceeded: {
      args: ['--retries=1'],
      faults: 2,
      reason: new RegExp(`^HipChat answered ${status} ${STATUS_CODES[status]} \\(gave up after 2 attempts\\)$`),
    },
  };
}

const TRANSIENT: TransientCase[] = [
  ...[500, 502, 503, 504].map(serverError),
  {
    name: 'a connection reset',
    fault: { kind: 'reset' },
    within: ['--retries=1'],
    exceeded: {
      args: ['--retries=1'],
      faults: 2,
      reason: new RegExp(`^Cannot reach HipChat at ${HOST}: connection reset \\(gave up after 2 attempts\\)$`),
    },
  },
  {
    name: 'an answer slower than the timeout',
    fault: { kind: 'delay', ms: 2000 },
    within: ['--retries=1', '--timeout=500ms'],
    exceeded: {
      args: ['--retries=1', '--timeout=500ms'],
      faults: 2,
      reason: new RegExp(`^No answer from HipChat at ${HOST} within 0\\.5 s \\(gave up after 2 attempts\\)$`),
    },
  },
  {
    name: 'a 429 with reset headers',
    // The fault's windows end at the next whole second.
    fault: { kind: 'rateLimited', withHeaders: true },
    within: ['--maxWait=5s'],
    // "A 429 waits until the reset time it gives" (README).
    earliestResend: (at) => Math.floor(at / 1000) * 1000 + 1000,
    exceeded: {
      args: ['--maxWait=2s'],
      faults: 1,
      limits: { tokenLimit: TEN_MINUTES, floodLimit: TEN_MINUTES },
      reason: /^HipChat's rate limit for this token is used up: the next attempt may go in .+, beyond --maxWait 2\.0 s; try again then$/,
    },
  },
  {
    name: 'a 429 without headers',
    fault: { kind: 'rateLimited', withHeaders: false },
    within: ['--maxWait=5s'],
    // The first backoff is at least 250 ms.
    exceeded: {
      args: ['--maxWait=100ms'],
      faults: 1,
      reason:
        /^HipChat rate limit exceeded \(429\): Rate Limit exceeded: the next attempt may go in \d+ ms, beyond --maxWait 100 ms; try again then$/,
    },
  },
];

const PERMANENT = [
  {
    status: 400,
    message: "Value u'Red' for field 'color' is not in the enumeration: [u'yellow', u'green', u'red', u'purple', u'gray', u'random']",
  },
  { status: 401, message: 'Invalid OAuth session' },
  { status: 403, message: 'This action requires one of the following scopes: [send_notification]' },
  { status: 404, message: 'Room ops not found' },
];

/**
 * The fault queue that gives notification n (1-based) `hits.get(n)` failed attempts, every other attempt
 * passing. `retried`: whether a hit notification is sent again after its faults (and then passes).
 */
function faultQueue(fault: Fault, hits: Map<number, number>, retried: boolean): Fault[] {
  const queue: Fault[] = [];
  for (let n = 1; n <= Math.max(...hits.keys()); n++) {
    const faults = hits.get(n) ?? 0;
    queue.push(...Array<Fault>(faults).fill(fault));
    if (faults === 0 || retried) queue.push(PASS);
  }
  return queue;
}

interface Setup {
  box: Sandbox;
  server: HipChatTestServer;
}

async function setUp({ onTestFinished }: TestContext, limits?: TransientCase['exceeded']['limits']): Promise<Setup> {
  const server = await startHipChatServer(limits);
  onTestFinished(() => server.close());
  const box = scannedSandbox(onTestFinished);
  writeConfig(box, server);
  return { box, server };
}

const SINGLE = 'single ✓ "quoted"';

function sendOne({ box }: Setup, args: string[]) {
  return box.run([SEND, '--message', SINGLE, ...args]);
}

function sendBatch({ box }: Setup, args: string[], input: string) {
  return box.run([SEND, '--ndjson', ...args], { input });
}

/** Checks that every request after a fault came no earlier than the contract allows. */
function expectResendsWaited(server: HipChatTestServer, earliestResend: TransientCase['earliestResend']): void {
  if (!earliestResend) return;
  server.requests.forEach((request, index) => {
    const resend = server.requests[index + 1];
    if (request.status === 204 || !resend) return;
    expect(resend.receivedAt, `request ${index + 2}`).toBeGreaterThanOrEqual(earliestResend(request.receivedAt));
  });
}

describe.concurrent.each(TRANSIENT)('$name', ({ fault, within, earliestResend, exceeded }) => {
  it('one notification, within the budget: delivered, exit 0', async (context) => {
    const setup = await setUp(context);
    setup.server.injectFaults(...faultQueue(fault, new Map([[1, 1]]), true));
    const result = await sendOne(setup, within);
    expect(result, result.stderr).toMatchObject({ code: 0, stdout: `Command ${SEND} executed successfully.\n`, stderr: '' });
    expect(deliveredMessages(setup.server)).toEqual([SINGLE]);
    expect(setup.server.requests).toHaveLength(2);
    expectResendsWaited(setup.server, earliestResend);
  });

  it('one notification, beyond the budget: exit 75 saying what happened', async (context) => {
    const setup = await setUp(context, exceeded.limits);
    setup.server.injectFaults(...faultQueue(fault, new Map([[1, exceeded.faults]]), false));
    const result = await sendOne(setup, exceeded.args);
    expect(result.code, result.stderr).toBe(75);
    expect(result.stdout).toBe('');
    const reason = failureReason(result.stderr, SEND);
    expect(reason).toHaveLength(1);
    expect(reason[0]).toMatch(exceeded.reason);
    expect(deliveredMessages(setup.server)).toEqual([]);
    expect(setup.server.requests).toHaveLength(exceeded.faults);
  });

  it(`a batch of ${BATCH}, within the budget: every notification delivered once, in order, exit 0`, async (context) => {
    const setup = await setUp(context);
    // The first request opens the connection; the twelfth goes over the kept-alive one.
    setup.server.injectFaults(
      ...faultQueue(
        fault,
        new Map([
          [1, 1],
          [12, 1],
        ]),
        true,
      ),
    );
    const batch = ndjsonBatch(BATCH, 'within');
    const result = await sendBatch(setup, within, batch.input);
    expect(result, result.stderr).toMatchObject({
      code: 0,
      stdout: `sent ${BATCH}, failed 0\nCommand ${SEND} executed successfully.\n`,
      stderr: '',
    });
    expect(deliveredMessages(setup.server)).toEqual(batch.messages);
    expect(setup.server.requests).toHaveLength(BATCH + 2);
    expectResendsWaited(setup.server, earliestResend);
  });

  it(`a batch of ${BATCH}, beyond the budget at line 8: exit 75, the summary and where it stopped`, async (context) => {
    const setup = await setUp(context, exceeded.limits);
    setup.server.injectFaults(...faultQueue(fault, new Map([[8, exceeded.faults]]), false));
    const batch = ndjsonBatch(BATCH, 'exceeded');
    const result = await sendBatch(setup, exceeded.args, batch.input);
    expect(result.code, result.stderr).toBe(75);
    expect(result.stdout).toBe('sent 7, failed 0\n');
    const [stopped, reason, ...rest] = failureReason(result.stderr, SEND);
    expect(stopped).toBe('Stopped at line 8; the lines after it were not sent.');
    expect(reason).toMatch(exceeded.reason);
    expect(rest).toEqual([]);
    expect(deliveredMessages(setup.server)).toEqual(batch.messages.slice(0, 7));
  });
});

describe.concurrent.each(PERMANENT)('$status refused', ({ status, message }) => {
  const fault: Fault = { kind: 'status', status, body: { error: { code: status, message, type: STATUS_CODES[status] } } };
  const line = `HipChat refused the notification: ${status} ${message}`;

  it("one notification: not retried, exit 1, the status and HipChat's message in one line", async (context) => {
    const setup = await setUp(context);
    setup.server.injectFaults(fault);
    const result = await sendOne(setup, ['--retries=3']);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toBe('');
    expect(failureReason(result.stderr, SEND)).toEqual([line]);
    expect(setup.server.requests).toHaveLength(1);
  });

  it(`a batch of ${BATCH}: every refused line reported, the others sent in order, exit 1`, async (context) => {
    const setup = await setUp(context);
    const refused = [3, 9, 17];
    setup.server.injectFaults(...faultQueue(fault, new Map(refused.map((n) => [n, 1])), false));
    const batch = ndjsonBatch(BATCH, 'refused');
    const result = await sendBatch(setup, ['--retries=3'], batch.input);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toBe(`sent ${BATCH - refused.length}, failed ${refused.length}\n`);
    expect(failureReason(result.stderr, SEND)).toEqual([
      ...refused.map((n) => `line ${n}: ${line}`),
      `${refused.length} of ${BATCH} notifications failed`,
    ]);
    expect(deliveredMessages(setup.server)).toEqual(batch.messages.filter((_, index) => !refused.includes(index + 1)));
    expect(setup.server.requests).toHaveLength(BATCH);
  });
});
