// Row 5: what the shared limiter costs per message, measured in-process through the library's public exports
// (bench/limiter-worker.mjs, one process on a state folder of its own): 2000 acquire() + observe() with the
// headers a roomy HipChat sends, timed inside the process from the first acquire() to the end of close(); the
// same without headers beside it. (Row 3 shows all that --ndjson adds per message over the bare loop.)
import { limiterJobs, limiterRun } from '../limiter-run.mjs';
import { count, interleaved, median } from '../support.mjs';

const COUNT = 2000;

async function perMessageUs(headers) {
  const { results } = await limiterRun(limiterJobs(1, COUNT, headers));
  const [{ ms, taken }] = results;
  if (taken !== COUNT) throw new Error(`limiter cost: ${taken} of ${COUNT} taken`);
  return (ms / COUNT) * 1000;
}

export async function limiterCost({ runs }) {
  const [withHeaders, without] = (await interleaved(runs, [() => perMessageUs(true), () => perMessageUs(false)])).map(median);
  return [
    {
      what: `the shared limiter per message, with HipChat's headers (in-process, library: ${count(COUNT)} acquire + observe, one process)`,
      value: `${withHeaders.toFixed(1)} µs`,
      baseline: `without headers: ${without.toFixed(1)} µs`,
      ratio: `${(withHeaders / without).toFixed(2)}×`,
      goal: 'none of its own: rows 3 and 4 bound it',
    },
  ];
}
