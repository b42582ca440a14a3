// Entry point of the bundled CLI (dist/cli.cjs).
import { main } from './cli.js';

main({ argv: process.argv.slice(2), env: process.env, stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }).then(
  (code) => {
    process.exitCode = code;
  },
);
