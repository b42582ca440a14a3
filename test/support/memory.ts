// A child's peak memory: its VmHWM (peak resident set, KiB) as it exits, written to a file. VmHWM starts
// at the exec; getrusage's maxRSS would also count the forked copy of the test process (a 100 MB input
// buffer included) and so measure the test, not the child.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface PeakMemoryProbe {
  /** NODE_OPTIONS for the child. */
  env: NodeJS.ProcessEnv;
  /** The child's peak resident set in KiB, once it has exited. */
  peakKiB(): number;
}

export function peakMemoryProbe(folder: string): PeakMemoryProbe {
  const output = join(folder, 'peak-rss');
  const probe = join(folder, 'peak-rss.cjs');
  writeFileSync(
    probe,
    "process.on('exit', () => { const fs = require('node:fs'); " +
      `fs.writeFileSync(${JSON.stringify(output)}, /VmHWM:\\s+(\\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]); });\n`,
  );
  return { env: { NODE_OPTIONS: `--require ${probe}` }, peakKiB: () => Number(readFileSync(output, 'utf8')) };
}
