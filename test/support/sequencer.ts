// The order test files start in: failed first, then the longest first, by how long each took in the last run.
// vitest knows that from its cache (node_modules/.vite); a fresh clone has none, and vitest would then start the
// largest files first, which leaves files that wait on real time (a service outage, rate-limit windows, stale
// locks, a browser: not large) for the end, with nothing beside them. So a file the cache does not know takes its
// duration from test/durations.json (written by scripts/test-durations.mjs); one in neither starts first, as
// vitest starts unknown files first.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const MEASURED: Record<string, number> = JSON.parse(readFileSync(new URL('../durations.json', import.meta.url), 'utf8'));

export class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    const path = (file: TestSpecification) => relative(root, file.moduleId).split('\\').join('/');
    const cached = (file: TestSpecification) => this.ctx.cache.getFileTestResults(`${file.project.name}:${path(file)}`);
    const failed = (file: TestSpecification) => (cached(file)?.failed ? 1 : 0);
    const duration = (file: TestSpecification) => cached(file)?.duration ?? MEASURED[path(file)] ?? Number.MAX_SAFE_INTEGER;
    return [...files].sort((a, b) => failed(b) - failed(a) || duration(b) - duration(a));
  }
}
