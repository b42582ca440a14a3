// Runs as pid 1 of a private pid namespace (`unshare -Upf --mount-proc -r node pid-namespace.mjs …`), so that
// a pid file naming -1, 0 or a forged pid can only ever reach the processes started here. For each case it
// writes a pid file, runs the built CLI, and records what happened to a sentinel process it started itself
// (a node process whose command line mentions start-notification-service, like `less
// docs/start-notification-service.md`). Prints one JSON object: case name → outcome.
//
// argv: <cli> <cases JSON: [{ name, target, pidFile, content?, noProc?, args? }]> <env JSON>
// In `content`, SENTINEL_PID, NODE and CLI are replaced; `args` runs those CLI commands in turn instead of one stop.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const [cli, casesJson, envJson] = process.argv.slice(2);
const cases = JSON.parse(casesJson);
const env = JSON.parse(envJson);

/** Running, and not a zombie (a killed child stays one until this script's event loop reaps it). */
function isAlive(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return false;
  }
}

async function startSentinel() {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e6)', 'docs/start-notification-service.md'], { stdio: 'ignore' });
  await new Promise((resolve, reject) => child.once('spawn', resolve).once('error', reject));
  return child;
}

function runCli(testCase, args) {
  const command = testCase.noProc
    ? // A mount namespace of its own whose /proc is empty: nothing there to prove a pid with.
      ['unshare', '-m', 'sh', '-c', 'mount -t tmpfs none /proc && exec "$0" "$@"', process.execPath, cli, ...args]
    : [process.execPath, cli, ...args];
  // In a session (and process group) of its own: a signal to "its group" (pid 0) reaches nothing else,
  // since process groups, unlike pids, reach across pid namespaces.
  const result = spawnSync('setsid', ['--wait', ...command], { env, encoding: 'utf8', timeout: 20_000 });
  return { code: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

const results = {};
let sentinel = await startSentinel();
for (const testCase of cases) {
  const pid = sentinel.pid;
  if (testCase.content !== undefined) {
    const content = testCase.content.replaceAll('SENTINEL_PID', String(pid)).replaceAll('NODE', process.execPath).replaceAll('CLI', cli);
    writeFileSync(testCase.pidFile, content, { mode: 0o600 });
  }
  const runs = (testCase.args ?? [['stop-notification-service']]).map((args) => runCli(testCase, [...args, `--target=${testCase.target}`]));
  results[testCase.name] = { runs, sentinelPid: pid, sentinelAlive: isAlive(pid), pidFileLeft: existsSync(testCase.pidFile) };
  // A case that killed it (the code before the fix did) must not spoil the next ones.
  if (!isAlive(pid)) sentinel = await startSentinel();
}
process.stdout.write(JSON.stringify(results));
// Leaving kills every process of the namespace: the sentinel, and any service a case started.
process.exit(0);
