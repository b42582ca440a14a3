// The README's recipes run as written (issue 10): every block after a `<!-- runnable: NAME -->` line (in
// README.md and the docs it links to) is run, and what arrived in the room is checked.
//
// - A sh block runs whole; blocks of one NAME are one recipe, run in order as one script (a Quick start
//   that starts a server in one block and stops it in a later one). Of a YAML block (GitHub Actions steps or
//   a whole workflow, a GitLab CI file) and of a Groovy block (a Jenkinsfile), the shell steps that call
//   `notifier` run, with the variables the block sets and the ones a runner would set (a matrix's values
//   too); the block is parsed as a runner would (YAML by a YAML parser), so it must be valid. Steps that
//   install the package are proven apart (test/e2e/package.test.ts); the job's own steps (npm test) are not run.
// - Each recipe runs in a throw-away HOME, from a folder set up like a clone after `npm ci` (so
//   `npx notifier` runs the built bin, offline), with `notifier` on the PATH too, and HIPCHAT_API_URL,
//   HIPCHAT_TOKEN and HIPCHAT_ROOM pointing at the test's local HipChat server; a block or its expectation
//   may set them otherwise. It runs in a process group of its own that is ended after it. A Redis URL a
//   recipe takes from the CI's secrets stands for `file` here: this test has no Redis (test/e2e/fleet.test.ts has).
// - A recipe that starts a HipChat server of its own (`notifier start-local-hipchat`, on its default port
//   8080 as a newcomer would) runs in private namespaces: a network of its own, so that the port is free and
//   no test uses a fixed port of the machine, and a pid namespace, so that a server it leaves running ends
//   with it.
// - Every runnable block has an expectation below, and every expectation a block: neither can drift.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { capturedOutputs, CLI, PROJECT_ROOT, type RunResult } from '../support/cli.js';
import { startHipChatServer, TEST_TOKEN, type HipChatTestServer } from '../support/hipchat-server.js';
import { checkSecretsAfterAll, scannedSandbox } from '../support/reliability.js';

checkSecretsAfterAll();

interface Block {
  name: string;
  language: string;
  text: string;
}

/** One shell script a block runs, with the variables its recipe gives it and the shell a runner uses. */
interface Step {
  script: string;
  env: Record<string, string>;
  shell: string[];
}

interface Expectation {
  /** Variables a runner sets (GITHUB_*, CI_*, JOB_NAME …). */
  runner?: Record<string, string>;
  /** What the runner's expressions in the block evaluate to (`${{ job.status }}`, `${currentBuild.currentResult}`). */
  expressions?: Record<string, string>;
  /**
   * 'block' for a block that starts a HipChat server of its own (`notifier start-local-hipchat`): the
   * test's server is not offered, and `delivered` is not checked (check its output instead).
   */
  server?: 'test' | 'block';
  /** What arrived at the test's server, as [room, message, colour]. */
  delivered: [string, string, string][];
  /** What the steps printed on stdout, all together (a pattern where it holds a server's new token or pid). */
  stdout?: string | RegExp;
}

const BASH = ['bash', '--noprofile', '--norc', '-eo', 'pipefail', '-c'];
const ROOM = 'readme';
/** What the CI's secrets stand for here: the test's token, and the state folder for a Redis URL. */
const SECRET_STAND_INS: Record<string, string> = { HIPCHAT_TOKEN: TEST_TOKEN, NOTIFIER_RATE_LIMIT_STORE: 'file' };
/** What a GitHub Actions runner sets for the recipes' job. */
const GITHUB_RUNNER = {
  CI: 'true',
  GITHUB_ACTIONS: 'true',
  GITHUB_REPOSITORY: 'octo/notifier-demo',
  GITHUB_REF_NAME: 'main',
  GITHUB_RUN_NUMBER: '42',
};

const EXPECTATIONS: Record<string, Expectation> = {
  'local-hipchat-ci': {
    server: 'block',
    delivered: [],
    // The notification arrived in green (jq's true), and the 503s made the second send exit 75.
    stdout:
      /^Command send-hipchat-notification executed successfully\.\ntrue\nLocal HipChat server on port \d+ stopped \(pid \d+\)\nCommand stop-local-hipchat executed successfully\.\n$/,
  },
  'local-hipchat-tour': {
    server: 'block',
    delivered: [],
    stdout: new RegExp(
      [
        String.raw`^\{"items":\[\{[^\n]*"message":"Deploy <b>1\.4\.2</b> finished"[^\n]*"color":"green"`,
        String.raw`\{"error":\{"code":401,"message":"Authenticated requests only\.`,
        String.raw`\{"status":"ok","service":"local-hipchat"`,
        String.raw`"lastSeq":1,`,
        String.raw`\{"error":\{"code":408,`,
        String.raw`\{"chaos":"503=0\.2,delay=1s@0\.5"`,
        String.raw`\{"chaos":"off","rules":\[\]\}\{"tokenLimit":"off","floodLimit":"5/10s"\}\{"cleared":1\}\{"status":"stopping"\}$`,
      ].join('[^\n]*'),
    ),
  },
  'quick-start': {
    server: 'block',
    delivered: [],
    stdout: new RegExp(
      [
        String.raw`Local HipChat is running \(pid \d+\):`,
        String.raw`  API URL  http://127\.0\.0\.1:8080`,
        String.raw`  Page     http://127\.0\.0\.1:8080/`,
        String.raw`  Token    \w{40}`,
        String.raw`Target server now sends to room payara-notifications here; .*`,
        String.raw`Running in the background; log: .*/local-hipchat/8080\.log`,
        String.raw`Stop it with: notifier stop-local-hipchat --port 8080`,
        String.raw`Command start-local-hipchat executed successfully\.`,
        String.raw`Command send-hipchat-notification executed successfully\.`,
        String.raw`Enabled  Room Name             Token     `,
        String.raw`true     payara-notifications  \*\*\*\*\w{4}  `,
        String.raw`Command get-hipchat-notifier-configuration executed successfully\.`,
        String.raw`Local HipChat server on port 8080 stopped \(pid \d+\)`,
        String.raw`Command stop-local-hipchat executed successfully\.`,
        '',
      ].join('\n'),
    ),
  },
  'one-line': { delivered: [['Build Status', 'Deploy of 1.4.2 finished', 'green']] },
  'shell-loop': {
    delivered: [
      [ROOM, 'api deployed', 'green'],
      [ROOM, 'web deployed', 'green'],
      [ROOM, 'worker deployed', 'green'],
    ],
  },
  'batch-and-card': {
    delivered: [
      [ROOM, 'step 1 done', 'yellow'],
      [ROOM, 'step 2 failed', 'red'],
      [ROOM, 'Build 42 passed', 'green'],
      [ROOM, 'Deployed to staging too', 'yellow'],
    ],
    stdout: `sent 2, failed 0\n${'Command send-hipchat-notification executed successfully.\n'.repeat(3)}`,
  },
  'github-actions': {
    runner: GITHUB_RUNNER,
    expressions: { 'secrets.HIPCHAT_TOKEN': TEST_TOKEN, 'job.status': 'success' },
    delivered: [['Build Status', 'octo/notifier-demo main #42: success', 'green']],
  },
  'gitlab-ci': {
    runner: {
      CI: 'true',
      GITLAB_CI: 'true',
      CI_PROJECT_PATH: 'group/notifier-demo',
      CI_COMMIT_REF_NAME: 'main',
      CI_JOB_NAME: 'build',
      CI_JOB_STATUS: 'failed',
    },
    delivered: [['Build Status', 'group/notifier-demo main: build failed', 'red']],
  },
  jenkins: {
    runner: { JENKINS_URL: 'https://jenkins.example.com/', JOB_NAME: 'notifier-demo', BUILD_NUMBER: '42' },
    expressions: { 'currentBuild.currentResult': 'SUCCESS' },
    delivered: [['Build Status', 'notifier-demo #42: SUCCESS', 'green']],
  },
  // One job of the matrix: the others run the same step with other values.
  'github-matrix': {
    runner: GITHUB_RUNNER,
    expressions: {
      'secrets.HIPCHAT_TOKEN': TEST_TOKEN,
      'secrets.NOTIFIER_REDIS_URL': SECRET_STAND_INS.NOTIFIER_RATE_LIMIT_STORE!,
      'matrix.node': '20',
      'matrix.shard': '3',
      'job.status': 'failure',
    },
    delivered: [['Build Status', 'octo/notifier-demo #42, Node 20, shard 3/4: failure', 'red']],
  },
  'jenkins-agents': {
    runner: {
      JENKINS_URL: 'https://jenkins.example.com/',
      JOB_NAME: 'notifier-demo',
      BUILD_NUMBER: '42',
      NODE_NAME: 'linux-agent-3',
      SHARD: '3',
    },
    expressions: { 'currentBuild.currentResult': 'SUCCESS' },
    delivered: [['Build Status', 'notifier-demo #42 shard 3/4 on linux-agent-3: SUCCESS', 'green']],
  },
};

/** The runnable blocks of the documents, those of one name joined into one (in the order they appear). */
function runnableBlocks(markdown: string): Block[] {
  const found = [...markdown.matchAll(/^<!-- runnable: ([a-z0-9-]+) -->\n```(\w+)\n([\s\S]*?)^```$/gm)];
  const byName = new Map<string, Block>();
  for (const [, name, language, text] of found) {
    const earlier = byName.get(name!);
    if (earlier && earlier.language !== language) throw new Error(`the blocks of recipe ${name} are in different languages`);
    byName.set(name!, { name: name!, language: language!, text: `${earlier?.text ?? ''}${text}` });
  }
  return [...byName.values()];
}

const callsNotifier = (script: string) => /(^|[\s;&|(])notifier\s/.test(script);

/** `${{ expression }}` (GitHub) evaluated from the expectation's table; an unknown one fails the test. */
function githubValue(text: string, expressions: Record<string, string>): string {
  return text.replace(/\$\{\{\s*(.+?)\s*\}\}/g, (_, expression: string) => {
    if (!(expression in expressions)) throw new Error(`the test does not know what \${{ ${expression} }} is`);
    return expressions[expression]!;
  });
}

function asStrings(values: Record<string, unknown> | undefined, expressions: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(values ?? {}).map(([name, value]) => [name, githubValue(String(value), expressions)]));
}

interface GitHubStep {
  run?: string;
  env?: Record<string, unknown>;
}

/** GitHub Actions steps that call notifier, with the env of their workflow and job under their own. */
function githubSteps(steps: GitHubStep[], outer: Record<string, string>, expressions: Record<string, string>): Step[] {
  return steps
    .filter((step) => step.run !== undefined && callsNotifier(step.run))
    .map((step) => ({
      script: githubValue(step.run!, expressions),
      env: { ...outer, ...asStrings(step.env, expressions) },
      shell: BASH,
    }));
}

function yamlSteps(text: string, expressions: Record<string, string>): Step[] {
  const document = parseYaml(text) as unknown;
  // GitHub Actions: steps, each with its env.
  if (Array.isArray(document)) return githubSteps(document as GitHubStep[], {}, expressions);
  const { on, jobs: workflowJobs, env: workflowEnv } = document as Record<string, unknown>;
  if (on !== undefined && workflowJobs !== undefined) {
    // A whole GitHub Actions workflow: each job's steps.
    return Object.values(workflowJobs as Record<string, { env?: Record<string, unknown>; steps?: GitHubStep[] }>).flatMap((job) =>
      githubSteps(
        job.steps ?? [],
        { ...asStrings(workflowEnv as Record<string, unknown> | undefined, expressions), ...asStrings(job.env, expressions) },
        expressions,
      ),
    );
  }
  // GitLab CI: global variables, then each job's, and its script lists.
  const { variables, ...jobs } = document as Record<string, Record<string, unknown>>;
  return Object.values(jobs).flatMap((job) =>
    ['before_script', 'script', 'after_script'].flatMap((list) =>
      ((job[list] as string[] | undefined) ?? []).filter(callsNotifier).map((script) => ({
        script,
        env: { ...asStrings(variables, expressions), ...asStrings(job.variables as Record<string, unknown>, expressions) },
        shell: BASH,
      })),
    ),
  );
}

/** A declarative Jenkinsfile: its environment {}, withCredentials and withEnv, and its sh steps. */
function jenkinsSteps(text: string, expressions: Record<string, string>): Step[] {
  const env: Record<string, string> = {};
  const environment = /environment\s*\{([^}]*)\}/.exec(text)?.[1] ?? '';
  for (const [, name, value] of environment.matchAll(/(\w+)\s*=\s*'([^']*)'/g)) env[name!] = value!;
  for (const [, name] of text.matchAll(/string\(credentialsId:\s*'[^']+',\s*variable:\s*'(\w+)'\)/g)) {
    if (!(name! in SECRET_STAND_INS)) throw new Error(`the test does not know the credential ${name}`);
    env[name!] = SECRET_STAND_INS[name!]!;
  }
  for (const [, name, expression] of text.matchAll(/"(\w+)=\$\{([\w.]+)\}"/g)) {
    if (!(expression! in expressions)) throw new Error(`the test does not know what \${${expression}} is`);
    env[name!] = expressions[expression!]!;
  }
  const scripts = [...text.matchAll(/\bsh\s+(?:'''([\s\S]*?)'''|'([^'\n]*)')/g)].map(([, long, short]) => long ?? short!);
  return scripts.filter(callsNotifier).map((script) => ({ script, env, shell: ['sh', '-xe', '-c'] }));
}

function stepsOf(block: Block, expectation: Expectation): Step[] {
  const expressions = expectation.expressions ?? {};
  if (['sh', 'bash', 'shell'].includes(block.language)) return [{ script: block.text, env: {}, shell: BASH }];
  if (block.language === 'yaml') return yamlSteps(block.text, expressions);
  if (block.language === 'groovy') return jenkinsSteps(block.text, expressions);
  throw new Error(`a runnable ${block.language} block: the test does not know how to run it`);
}

/**
 * Private user, network (its loopback brought up) and pid namespaces: the recipe's ports are its own, and
 * whatever it leaves running ends with its shell, the namespace's first process.
 */
const PRIVATE_NAMESPACES = [
  'unshare',
  '--user',
  '--map-root-user',
  '--net',
  '--pid',
  '--fork',
  '--mount-proc',
  'sh',
  '-c',
  'ip link set lo up && exec "$0" "$@"',
];

/** Runs one step in its own process group, and ends whatever it left running. */
function runStep(step: Step, cwd: string, env: NodeJS.ProcessEnv, isolated: boolean): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const [command, ...args] = isolated ? [...PRIVATE_NAMESPACES, ...step.shell] : step.shell;
    const child = spawn(command!, [...args, step.script], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // The group is gone: the step left nothing running.
      }
      capturedOutputs.push(stdout, stderr);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

const DOCUMENTS = ['README.md', 'docs/local-hipchat.md'];
const blocks = runnableBlocks(DOCUMENTS.map((path) => readFileSync(join(PROJECT_ROOT, path), 'utf8')).join('\n'));

/** A folder like a clone after `npm ci`, as far as `npx notifier` can tell: a package with the bin installed. */
function cloneLike(folder: string): void {
  mkdirSync(join(folder, 'node_modules', '.bin'), { recursive: true });
  writeFileSync(join(folder, 'package.json'), JSON.stringify({ name: 'readme-recipe', private: true }));
  symlinkSync(CLI, join(folder, 'node_modules', '.bin', 'notifier'));
}

describe('the README', () => {
  it('has an expectation for every runnable block and a runnable block for every expectation', () => {
    expect(blocks.map((block) => block.name).sort()).toEqual(Object.keys(EXPECTATIONS).sort());
  });

  describe.concurrent.each(blocks)('runnable block "$name" ($language)', (block) => {
    it('runs as written, exits 0 and delivers what it says', async ({ onTestFinished }) => {
      const expectation = EXPECTATIONS[block.name]!;
      const server: HipChatTestServer = await startHipChatServer();
      onTestFinished(() => server.close());
      const box = scannedSandbox(onTestFinished);
      const bin = join(box.dir, 'bin');
      mkdirSync(bin);
      symlinkSync(CLI, join(bin, 'notifier'));
      const work = join(box.dir, 'work');
      cloneLike(work);

      const steps = stepsOf(block, expectation);
      expect(steps.length, 'steps that call notifier').toBeGreaterThan(0);
      let stdout = '';
      for (const step of steps) {
        const ownServer = expectation.server === 'block';
        const env = {
          ...box.env,
          PATH: `${bin}:${dirname(process.execPath)}:${process.env.PATH}`,
          ...(ownServer ? {} : { HIPCHAT_TOKEN: TEST_TOKEN, HIPCHAT_ROOM: ROOM }),
          ...expectation.runner,
          ...step.env,
          // Wherever the recipe's server is, the test's stands in for it.
          ...(ownServer ? {} : { HIPCHAT_API_URL: server.url }),
          // npx finds the bin in node_modules/.bin; never the registry, even if a recipe is wrong.
          npm_config_offline: 'true',
          npm_config_update_notifier: 'false',
        };
        const result = await runStep(step, work, env, ownServer);
        expect(result.code, `${step.script}\n${result.stderr}`).toBe(0);
        stdout += result.stdout;
      }
      if (expectation.server !== 'block')
        expect(
          server.delivered().map((request) => {
            const body = request.body as { message: string; color: string };
            return [request.room, body.message, body.color];
          }),
        ).toEqual(expectation.delivered);
      if (typeof expectation.stdout === 'string') expect(stdout).toBe(expectation.stdout);
      if (expectation.stdout instanceof RegExp) expect(stdout).toMatch(expectation.stdout);
      expect(server.count(429)).toBe(0);
    });
  });
});
