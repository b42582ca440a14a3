// Entry point of the bundled CLI (dist/cli.cjs).
import { main } from './cli.js';

main({
  argv: process.argv.slice(2),
  env: process.env,
  // process.stdin is built on first access, which costs milliseconds: only commands that read it pay.
  get stdin() {
    return process.stdin;
  },
  stdout: process.stdout,
  stderr: process.stderr,
}).then((code) => {
  process.exitCode = code;
});
