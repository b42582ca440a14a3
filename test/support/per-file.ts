// Run before every test file (vitest setupFiles). A worker runs file after file in one process
// (isolate: false), so what a file's secret scan reads must start empty: another file's outputs, with
// their own tokens, are not this file's leaks.
import { beforeAll } from 'vitest';
import { capturedOutputs } from './cli.js';

beforeAll(() => {
  capturedOutputs.length = 0;
});
