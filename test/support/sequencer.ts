// The order test files start in. vitest starts the longest first by the durations a previous run left in its cache
// (node_modules/.vite); a fresh clone has none, and vitest then starts the largest files first. That leaves the
// end-to-end files that wait longest (a service outage, rate-limit windows: small files) for the end, where nothing
// else runs beside them: about 10 s more on 2 cores. So, without durations, end-to-end files go first, then
// integration tests (real processes, servers and locks), then the rest, each group larger first as vitest would.
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const GROUPS = ['test/e2e/', 'test/integration/'];

export class FreshCloneSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const root = this.ctx.config.root;
    const path = (file: TestSpecification) => relative(root, file.moduleId).split('\\').join('/');
    const known = (file: TestSpecification) => this.ctx.cache.getFileTestResults(`${file.project.name}:${path(file)}`) !== undefined;
    if (files.every(known)) return sorted;
    const group = (file: TestSpecification) => {
      const index = GROUPS.findIndex((prefix) => path(file).startsWith(prefix));
      return index === -1 ? GROUPS.length : index;
    };
    // Array.prototype.sort is stable: within a group, vitest's order stays.
    return sorted.sort((a, b) => group(a) - group(b));
  }
}
