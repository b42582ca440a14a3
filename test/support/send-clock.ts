// A NotificationSender on a fake clock, for the tests of its waits (test/unit/notifier/send.test.ts,
// test/integration/notifier/send-store.test.ts): the clock moves only when the sender waits, and records them.
import { NotificationSender, type NotifierTarget, type SendOptions } from '../../src/notifier/send.js';
import type { WaitReason } from '../../src/notifier/waits.js';
import { TEST_TOKEN } from './hipchat-server.js';

export type FakeClock = ReturnType<typeof fakeClock>;

/** A clock at `start` that moves only when the sender waits (`beforeSleep` runs first), and the waits it was told of. */
export function fakeClock(start: number, beforeSleep: (ms: number) => Promise<void> = async () => {}) {
  const clock = {
    time: start,
    waits: [] as { ms: number; reason: WaitReason; about?: string }[],
    slept: [] as number[],
    now: () => clock.time,
    sleep: async (ms: number) => {
      await beforeSleep(ms);
      clock.slept.push(ms);
      clock.time += ms;
    },
  };
  return clock;
}

/** A sender to the room `ops` at `apiUrl` on the clock, its rate-limit state in `stateDir`. */
export function clockedSender(
  clock: FakeClock,
  where: { apiUrl: string; stateDir: string },
  options: Partial<SendOptions> = {},
  target: Partial<NotifierTarget> = {},
): NotificationSender {
  return new NotificationSender(
    { apiUrl: where.apiUrl, roomName: 'ops', token: TEST_TOKEN, rate: { count: 100, perMs: 1000 }, ...target },
    {
      stateDir: where.stateDir,
      now: clock.now,
      sleep: clock.sleep,
      // The middle of the jitter range: every backoff is 3/4 of its ceiling.
      random: () => 0.5,
      onWait: (ms, reason, about) => clock.waits.push({ ms, reason, ...(about === undefined ? {} : { about }) }),
      ...options,
    },
  );
}
