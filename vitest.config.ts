import { defineConfig } from 'vitest/config';
import { LongestFirstSequencer } from './test/support/sequencer.js';

// Forked workers inherit this environment: a CA bundle named here would be parsed by every worker (about
// 70 ms of CPU each) although no test talks to a server whose certificate it signs.
delete process.env.NODE_EXTRA_CA_CERTS;

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/support/per-file.ts'],
    // End-to-end tests spawn many CLI processes; 2 cores are shared by all of them.
    testTimeout: 60_000,
    hookTimeout: 30_000,
    pool: 'forks',
    maxWorkers: 4,
    // A worker runs file after file rather than a fresh process per file: about a second of CPU saved per file.
    // So a test file leaves no global change behind (umask, fake timers: each restores what it changed).
    isolate: false,
    sequence: { sequencer: LongestFirstSequencer },
  },
});
