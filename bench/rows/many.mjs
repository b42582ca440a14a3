// Row 4: many processes at once on one machine (one state folder). (a) The shared limiter alone, through the
// library's public exports (bench/limiter-worker.mjs): 10 processes × 300 acquire() + observe() with the headers
// a roomy HipChat sends, timed from a start signal given once all have loaded, to the last one's end (Node's
// start-up is not the limiter's). (b) End to end: 10 parallel --ndjson runs of 300 each against 10 parallel bare
// keep-alive loops of 300, both from spawn to the last exit, to a server sending HipChat's headers; zero 429s.
import { limiterJobs, limiterRun } from '../limiter-run.mjs';
import {
  all,
  CLI,
  configuredEnv,
  count,
  formatMs,
  HTTP_LOOP,
  inputs,
  interleaved,
  median,
  rawSenderEnv,
  startServer,
  timed,
} from '../support.mjs';

const PROCESSES = 10;
const EACH = 300;
const TAKES_GOAL = 10_000;
const END_TO_END_GOAL = 2;
/** The server records every request of one contender's run (10 × 300), and no more than this. */
const RECORD = 10_000;

/** Takes per second in total of one limiterRun(), checking that every job took all it was asked. */
async function takesPerSecond(jobs) {
  const { wallMs, results } = await limiterRun(jobs);
  const taken = results.reduce((sum, result) => sum + result.taken, 0);
  const asked = jobs.reduce((sum, job) => sum + job.count, 0);
  if (taken !== asked) throw new Error(`limiter: ${taken} of ${asked} taken`);
  return (taken / wallMs) * 1000;
}

export async function many({ runs }) {
  const server = await startServer({ record: RECORD });
  try {
    const env = await configuredEnv(server, '100000/1s');
    const files = Array.from({ length: PROCESSES }, (_, index) => inputs(`many-${index + 1}`, EACH).ndjson);
    let rejected = 0;
    /** Runs PROCESSES senders at once; resolves with the wall time to the last exit, after checking deliveries. */
    const parallel = (name, sender) => async () => {
      const before = server.accepted();
      const begin = process.hrtime.bigint();
      await all(files.map(sender));
      const ms = Number(process.hrtime.bigint() - begin) / 1e6;
      const delivered = server.accepted() - before;
      if (delivered !== PROCESSES * EACH) throw new Error(`many: ${name} delivered ${delivered} of ${PROCESSES * EACH}`);
      // The loops stop at a 429 (a failed run); notifier waits them out, so they are counted.
      const requests = server.takeRecord(RECORD);
      if (name === '--ndjson') rejected += requests.filter((request) => request.status === 429).length;
      return ms;
    };
    const [ten, one, notifier, loops] = (
      await interleaved(runs, [
        () => takesPerSecond(limiterJobs(PROCESSES, EACH, true)),
        () => takesPerSecond(limiterJobs(1, PROCESSES * EACH, true)),
        parallel('--ndjson', (stdin) => timed(process.execPath, [CLI, 'send-hipchat-notification', '--ndjson'], { env, stdin })),
        parallel('the http loops', (stdin) => timed(process.execPath, [HTTP_LOOP], { env: rawSenderEnv(server), stdin })),
      ])
    ).map(median);
    const takes = (value) => `${count(Math.round(value))} takes/s`;
    const shape = `${PROCESSES} processes × ${EACH}`;
    return [
      {
        what: `the limiter alone (library: acquire + observe with HipChat's headers, no HTTP), ${shape} on one state folder, in total`,
        value: takes(ten),
        baseline: `1 process × ${count(PROCESSES * EACH)}: ${takes(one)}`,
        ratio: `${(ten / one).toFixed(2)}× one process's rate`,
        goal: `≥ ${count(TAKES_GOAL)} takes/s`,
        met: ten >= TAKES_GOAL,
      },
      {
        what: `end to end: ${PROCESSES} parallel \`--ndjson\` runs of ${EACH} each, one state folder, server sending HipChat's headers`,
        value: formatMs(notifier),
        baseline: `${PROCESSES} parallel bare keep-alive loops of ${EACH}: ${formatMs(loops)}`,
        ratio: `${(notifier / loops).toFixed(2)}×`,
        goal: `≤ ${END_TO_END_GOAL}×`,
        met: notifier / loops <= END_TO_END_GOAL,
      },
      {
        what: `end to end: 429 answers to the ${PROCESSES} parallel \`--ndjson\` runs`,
        value: `${rejected} in ${runs} runs`,
        goal: '0',
        met: rejected === 0,
      },
    ];
  } finally {
    await server.close();
  }
}
