// Entry point of the bundled CLI (dist/cli.cjs).
import { readFileSync } from 'node:fs';
import { writeToDescriptor } from '../util/fd-output.js';
import { procCmdline } from './argv.js';
import { main } from './dispatch.js';

main({
  argv: process.argv.slice(2),
  env: process.env,
  get stdin() {
    return process.stdin;
  },
  get stderrStream() {
    return process.stderr;
  },
  isInteractive: async () => {
    // node:tty loads node:net: only a command that may prompt pays for it.
    const { isatty } = await import('node:tty');
    return isatty(0) && isatty(2);
  },
  rawArgv: () => procCmdline(readFileSync),
  out: (text) => writeToDescriptor(1, text),
  err: (text) => writeToDescriptor(2, text),
}).then((code) => {
  process.exitCode = code;
});
