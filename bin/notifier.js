#!/usr/bin/env node
// The CLI is one bundled CommonJS file: it starts faster than the unbundled ES modules.
import { createRequire } from 'node:module';

createRequire(import.meta.url)('../dist/cli.cjs');
