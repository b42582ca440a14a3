// start-local-hipchat: runs notifier's local HipChat (src/local-hipchat: HipChat's REST API v2, its
// limits, a test API under /_local/ and a live room page) in the foreground, or with --detach in the
// background; --configure points a target's HipChat notifier at it. The server library is loaded only
// here, when the command runs.
import { renameSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { booleanOption, stringOption, stringsOption, type CommandSpec, type ParsedArgs } from '../cli/asadmin/options.js';
import { UsageError } from '../cli/errors.js';
import { updateConfig } from '../config/store.js';
import { DEFAULT_RATE_LIMIT, roomNameProblem } from '../config/values.js';
import { ensureHealthcheck, ensureHipchatNotifier } from '../healthcheck/catalog.js';
import type { LocalHipChat, LocalHipChatOptions, WindowLimit } from '../local-hipchat/index.js';
import { startInBackground } from './shared/background.js';
import type { CommandContext, CommandOutcome } from './shared/command.js';
import { BackgroundProcessError } from './shared/errors.js';
import {
  isRunning,
  listStates,
  readState,
  removeState,
  requestShutdown,
  stateFile,
  stateFolder,
  writeState,
  type LocalServerState,
} from './shared/local-hipchat-state.js';
import { jsonOption, wholeNumberOption } from './shared/option-values.js';
import { readPrefix } from './shared/stdin.js';
import { DEFAULT_TARGET, targetName } from './shared/target.js';

type Library = typeof import('../local-hipchat/index.js');

const DEFAULT_HOST = '127.0.0.1';
const DEFAULT_PORT = 8080;
const DEFAULT_ROOM = 'payara-notifications';
/** Tokens on stdin (--token=-): a few lines at most. */
const MAX_STDIN_TOKENS_BYTES = 64 * 1024;

export const spec: CommandSpec = {
  name: 'start-local-hipchat',
  details: [
    "A HipChat-compatible room server on this machine (HipChat itself is gone): the HipChat REST API v2 that notifier, Payara and any HipChat client use, with HipChat's validation, error bodies and limits, a test API for CI under /_local/, and a page showing every room, updated live.",
    'Prints the API URL (what --apiUrl takes), the page URL and the token. In the foreground it logs one line per request on stderr until Ctrl-C or SIGTERM; with --detach it returns once the server answers, and stop-local-hipchat stops it.',
    'Listens on 127.0.0.1 unless --host says otherwise: any other address lets everyone who can reach the port read the rooms, and post with the token.',
    'Every option value of the server (limits, chaos) can be read and changed at run time through the test API: GET /_local/info, PUT /_local/limits, PUT /_local/chaos.',
  ].join('\n'),
  options: [
    {
      name: 'host',
      type: 'string',
      valueName: 'HOST',
      defaultValue: DEFAULT_HOST,
      description: 'address to listen on (anything but loopback warns: others can read and post)',
    },
    {
      name: 'port',
      type: 'string',
      valueName: 'N',
      defaultValue: String(DEFAULT_PORT),
      description: 'port to listen on; 0 takes any free port (printed, and in --json)',
    },
    {
      name: 'token',
      type: 'string',
      valueName: 'TOKEN',
      repeatable: true,
      description:
        "a token the server accepts, repeatable; '-' reads tokens from stdin, one a line, and never prints them (default: one new 40-character token)",
    },
    {
      name: 'rooms',
      type: 'string',
      valueName: 'A,B',
      description: "only these rooms exist, others get HipChat's 404 (default: any room, made by its first notification)",
    },
    {
      name: 'floodLimit',
      type: 'string',
      valueName: 'COUNT/DURATION',
      defaultValue: '30/60s',
      description: "HipChat's flood control per room; off for none",
    },
    {
      name: 'tokenLimit',
      type: 'string',
      valueName: 'COUNT/DURATION',
      defaultValue: '500/5m',
      description: "HipChat's rate limit per token, over all its rooms; off for none",
    },
    { name: 'noLimits', type: 'boolean', description: 'both limits off, for bulk tests' },
    {
      name: 'max',
      type: 'string',
      valueName: 'N',
      defaultValue: '10000',
      description: 'notifications kept per room; beyond it the oldest go (counted on the page)',
    },
    {
      name: 'dataDir',
      type: 'string',
      valueName: 'DIR',
      description: 'keep every notification in DIR (made 0700) and load them again at the next start (default: memory only)',
    },
    {
      name: 'chaos',
      type: 'string',
      valueName: 'SPEC',
      description:
        'random trouble on sends, e.g. 503=0.1,429=0.05,reset=0.05,delay=2s@0.1 (a status or reset with its probability, a delay@probability)',
    },
    { name: 'detach', type: 'boolean', description: 'run in the background, return once it answers; its log goes to the state folder' },
    {
      name: 'configure',
      type: 'boolean',
      description: "also point the target's HipChat notifier at this server: enabled, --roomName, the token, this API URL",
    },
    {
      name: 'target',
      type: 'string',
      valueName: 'NAME',
      defaultValue: DEFAULT_TARGET,
      description: 'the configuration --configure writes',
    },
    { name: 'roomName', type: 'string', valueName: 'ROOM', defaultValue: DEFAULT_ROOM, description: 'the room --configure sets' },
    jsonOption,
  ],
  examples: [
    {
      description: 'Try notifier: a server in the background, configured as the default target, then a notification',
      command: 'notifier start-local-hipchat --detach --configure && notifier send-hipchat-notification "Hello from notifier"',
    },
    {
      description: 'In the foreground, one log line per request, Ctrl-C stops it',
      command: 'notifier start-local-hipchat --port 9090 --rooms ops,deploys',
    },
    {
      description: 'In a CI job: any free port, a known token, the URLs read from --json',
      command:
        'server=$(notifier start-local-hipchat --detach --port 0 --token "$HIPCHAT_TOKEN" --json) && apiUrl=$(echo "$server" | jq -r .apiUrl)',
    },
    {
      description: 'A flaky HipChat that keeps what it gets across restarts',
      command: 'notifier start-local-hipchat --detach --chaos 503=0.2,delay=1s@0.1 --dataDir ./hipchat-data',
    },
    { description: 'Stop it', command: 'notifier stop-local-hipchat --port 8080' },
  ],
};

interface Settings {
  host: string;
  port: number;
  tokens: string[];
  /** False when the tokens came from stdin (--token=-): they are never printed then. */
  showToken: boolean;
  rooms: string[] | undefined;
  floodLimit: WindowLimit | null;
  tokenLimit: WindowLimit | null;
  /** Given with --max, else the server's default. */
  max: number | undefined;
  dataDir: string | undefined;
  chaos: string | undefined;
  configure: { target: string; roomName: string } | undefined;
  json: boolean;
}

/** What a library option check refuses is a usage error here (exit 2). */
function usage<T>(lib: Library, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof lib.LocalHipChatOptionError) throw new UsageError(error.message);
    throw error;
  }
}

async function givenTokens(context: CommandContext, args: ParsedArgs): Promise<{ tokens: string[]; fromStdin: boolean } | undefined> {
  const given = stringsOption(args, 'token');
  if (given === undefined) return undefined;
  const tokens: string[] = [];
  let fromStdin = false;
  for (const token of given) {
    if (token !== '-') {
      tokens.push(token);
      continue;
    }
    if (fromStdin) throw new UsageError('--token=- is given twice: stdin can be read once');
    fromStdin = true;
    const { bytes, complete } = await readPrefix(context.stdin, MAX_STDIN_TOKENS_BYTES);
    if (!complete) throw new UsageError(`--token=-: stdin holds more than ${MAX_STDIN_TOKENS_BYTES} bytes`);
    const lines = bytes
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line !== '');
    if (lines.length === 0) throw new UsageError('No token on stdin (--token=-)');
    tokens.push(...lines);
  }
  return { tokens, fromStdin };
}

function givenLimit(
  lib: Library,
  args: ParsedArgs,
  name: 'floodLimit' | 'tokenLimit',
  fallback: Readonly<WindowLimit>,
): WindowLimit | null {
  const text = stringOption(args, name);
  if (booleanOption(args, 'noLimits')) {
    if (text !== undefined) throw new UsageError(`--noLimits turns --${name} off: give one of them`);
    return null;
  }
  return text === undefined ? { ...fallback } : usage(lib, () => lib.parseLimit(text, `--${name}`));
}

function givenRooms(args: ParsedArgs): string[] | undefined {
  const text = stringOption(args, 'rooms');
  if (text === undefined) return undefined;
  const rooms = text
    .split(',')
    .map((room) => room.trim())
    .filter((room) => room !== '');
  if (rooms.length === 0) throw new UsageError('--rooms needs at least one room name (A,B,...)');
  return rooms;
}

function givenConfigure(args: ParsedArgs, rooms: string[] | undefined): Settings['configure'] {
  const roomName = stringOption(args, 'roomName');
  if (!booleanOption(args, 'configure')) {
    const stray = ['target', 'roomName'].find((name) => args.options.has(name));
    if (stray) throw new UsageError(`--${stray} goes with --configure`);
    return undefined;
  }
  const room = roomName ?? DEFAULT_ROOM;
  const problem = roomNameProblem(room);
  if (problem) throw new UsageError(problem);
  if (rooms !== undefined && !rooms.includes(room)) {
    throw new UsageError(`--roomName ${room} is not one of --rooms ${rooms.join(',')}: its notifications would get a 404`);
  }
  return { target: targetName(args), roomName: room };
}

async function readSettings(lib: Library, context: CommandContext, args: ParsedArgs): Promise<Settings> {
  const host = (stringOption(args, 'host') ?? DEFAULT_HOST).trim();
  if (host === '') throw new UsageError('--host must not be empty');
  const port =
    wholeNumberOption(args, 'port', { min: 0, max: 65_535, reason: 'it must be a whole number from 0 to 65535' }) ?? DEFAULT_PORT;
  const max = wholeNumberOption(args, 'max', { min: 1, max: 1_000_000, reason: 'it must be a whole number from 1 to 1000000' });
  const rooms = givenRooms(args);
  const configure = givenConfigure(args, rooms);
  const chaosText = stringOption(args, 'chaos');
  const chaos = chaosText === undefined ? undefined : lib.formatChaos(usage(lib, () => lib.parseChaos(chaosText)));
  const floodLimit = givenLimit(lib, args, 'floodLimit', lib.DEFAULT_FLOOD_LIMIT);
  const tokenLimit = givenLimit(lib, args, 'tokenLimit', lib.DEFAULT_TOKEN_LIMIT);
  const dataDirText = stringOption(args, 'dataDir');
  if (dataDirText === '') throw new UsageError('--dataDir must not be empty');
  // Read last: stdin is read only once every other option is known to be good.
  const given = await givenTokens(context, args);
  const tokens = given?.tokens ?? [lib.generateToken()];
  const settings: Settings = {
    host,
    port,
    tokens: [...new Set(tokens)],
    showToken: !given?.fromStdin,
    rooms,
    floodLimit,
    tokenLimit,
    max,
    dataDir: dataDirText === undefined ? undefined : resolve(dataDirText),
    chaos,
    configure,
    json: booleanOption(args, 'json') ?? false,
  };
  // The server's own checks (tokens, room names...), before anything starts: a --detach child would only
  // report them in its log. A token itself is never quoted in their messages.
  usage(lib, () => lib.checkOptions(serverOptions(settings)));
  return settings;
}

/** The server's options for these settings (its log and shutdown are added where it runs). */
function serverOptions(settings: Settings): LocalHipChatOptions {
  return {
    host: settings.host,
    port: settings.port,
    tokens: settings.tokens,
    rooms: settings.rooms,
    floodLimit: settings.floodLimit,
    tokenLimit: settings.tokenLimit,
    max: settings.max,
    dataDir: settings.dataDir,
    chaos: settings.chaos,
  };
}

/** Refuses a port one of our servers holds, naming it; a state file left by a server that is gone is removed. */
async function refuseIfOursRuns(context: CommandContext, port: number): Promise<void> {
  if (port === 0) return;
  const path = stateFile(context.env, port);
  const state = readState(path);
  if (state === undefined) return;
  if (await isRunning(state)) {
    throw new BackgroundProcessError(
      `A local HipChat server already runs on port ${port} (pid ${state.pid}, since ${state.startedAt}, page ${state.pageUrl}): stop it with notifier stop-local-hipchat --port ${port}, or pass --port 0 for any free port`,
    );
  }
  removeState(path, state.pid);
}

/** The library's listen and data errors, with what to do about them. */
function startError(lib: Library, error: unknown): unknown {
  if (error instanceof lib.LocalHipChatListenError && error.code === 'EADDRINUSE') {
    return new lib.LocalHipChatListenError(`${error.message}: pass --port with a free port, or --port 0 for any free one`, error.code);
  }
  return error instanceof lib.LocalHipChatOptionError ? new UsageError(error.message) : error;
}

/** --configure: the target's HipChat notifier, enabled and pointed at this server, as notification-hipchat-configure writes it. */
async function configureTarget(
  context: CommandContext,
  configure: NonNullable<Settings['configure']>,
  state: LocalServerState,
): Promise<void> {
  await updateConfig(context.configPath, (document) => {
    const section = (document.targets[configure.target] ??= {});
    const stored = section.hipchat;
    section.hipchat = {
      ...stored,
      enabled: true,
      roomName: configure.roomName,
      token: state.token,
      apiUrl: state.apiUrl,
      dynamic: stored?.dynamic ?? false,
      noisy: stored?.noisy ?? true,
      rateLimit: stored?.rateLimit ?? DEFAULT_RATE_LIMIT,
    };
    // Plain http on this machine: no certificate to skip, and --insecure would warn at every send.
    delete section.hipchat.insecure;
    // As notification-hipchat-configure (Payara's BaseNotificationConfigurer): the health check's HipChat notifier follows.
    ensureHipchatNotifier(ensureHealthcheck(section)).enabled = true;
  });
}

function report(context: CommandContext, settings: Settings, state: LocalServerState, after: string[]): void {
  if (settings.json) {
    context.print(JSON.stringify({ apiUrl: state.apiUrl, pageUrl: state.pageUrl, token: state.token, pid: state.pid }));
    return;
  }
  const more = settings.tokens.length > 1 ? ` (and ${settings.tokens.length - 1} more given with --token)` : '';
  const lines = [
    `Local HipChat is running (pid ${state.pid}):`,
    `  API URL  ${state.apiUrl}`,
    `  Page     ${state.pageUrl}`,
    `  Token    ${settings.showToken ? `${state.token}${more}` : '(read from stdin, not shown)'}`,
  ];
  if (settings.configure) {
    const { target, roomName } = settings.configure;
    const option = target === DEFAULT_TARGET ? '' : ` --target ${target}`;
    lines.push(
      `Target ${target} now sends to room ${roomName} here; try: notifier send-hipchat-notification${option} "Hello from notifier"`,
    );
  }
  context.print([...lines, ...after].join('\n'));
}

/** The same command for the background child: the values as checked here, the tokens on its stdin. */
function childArgs(lib: Library, settings: Settings): string[] {
  return [
    'start-local-hipchat',
    `--host=${settings.host}`,
    `--port=${settings.port}`,
    '--token=-',
    ...(settings.rooms ? [`--rooms=${settings.rooms.join(',')}`] : []),
    `--floodLimit=${lib.formatLimit(settings.floodLimit)}`,
    `--tokenLimit=${lib.formatLimit(settings.tokenLimit)}`,
    ...(settings.max === undefined ? [] : [`--max=${settings.max}`]),
    ...(settings.dataDir === undefined ? [] : [`--dataDir=${settings.dataDir}`]),
    ...(settings.chaos === undefined ? [] : [`--chaos=${settings.chaos}`]),
  ];
}

async function detach(lib: Library, context: CommandContext, settings: Settings): Promise<void> {
  const folder = stateFolder(context.env);
  // The port is known only once a --port 0 server listens: its log is renamed then.
  const logPath = join(folder, settings.port === 0 ? `starting-${process.pid}.log` : `${settings.port}.log`);
  const started = await startInBackground({
    what: 'The local HipChat server',
    args: childArgs(lib, settings),
    env: context.env,
    logPath,
    input: `${settings.tokens.join('\n')}\n`,
    // Ready when the server that wrote a state file with the child's pid answers its health check as that
    // instance. A stale file may name the same pid (a server that was killed, its pid reused): it does not answer.
    ready: async (pid) => {
      for (const { state } of listStates(context.env).filter((entry) => entry.state.pid === pid)) if (await isRunning(state)) return state;
      return undefined;
    },
  });
  const state = started.ready;
  let log = started.logPath;
  if (settings.port === 0) {
    log = join(folder, `${state.port}.log`);
    renameSync(started.logPath, log);
  }
  if (settings.configure) {
    try {
      await configureTarget(context, settings.configure, state);
    } catch (error) {
      // Not configured, so not started either: nothing is left running behind a failed command.
      await requestShutdown(state);
      throw error;
    }
  }
  report(context, settings, state, [
    `Running in the background; log: ${log}`,
    `Stop it with: notifier stop-local-hipchat --port ${state.port}`,
  ]);
}

const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

async function serve(lib: Library, context: CommandContext, settings: Settings): Promise<void> {
  let stop: (why: string) => void = () => undefined;
  const stopping = new Promise<string>((resolve) => (stop = resolve));
  const onSignal = (signal: NodeJS.Signals): void => stop(signal);
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  let server: LocalHipChat | undefined;
  let statePath: string | undefined;
  try {
    try {
      server = await lib.startLocalHipChat({
        ...serverOptions(settings),
        log: (line) => context.report(line),
        onShutdown: () => stop('POST /_local/shutdown'),
      });
    } catch (error) {
      throw startError(lib, error);
    }
    const state: LocalServerState = {
      pid: process.pid,
      port: server.port,
      host: server.host,
      apiUrl: server.url,
      pageUrl: `${server.url}/`,
      instance: server.instanceId,
      token: settings.tokens[0]!,
      startedAt: new Date().toISOString(),
      ...(server.dataDir === undefined ? {} : { dataDir: server.dataDir }),
    };
    statePath = writeState(context.env, state);
    if (settings.configure) await configureTarget(context, settings.configure, state);
    report(context, settings, state, [`Stop it with Ctrl-C, or: notifier stop-local-hipchat --port ${state.port}`]);
    const why = await stopping;
    context.report(`${new Date().toISOString()} stopping (${why})`);
  } finally {
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
    await server?.close();
    if (statePath !== undefined) removeState(statePath, process.pid);
  }
}

export async function run(context: CommandContext, args: ParsedArgs): Promise<CommandOutcome> {
  const lib = await import('../local-hipchat/index.js');
  const settings = await readSettings(lib, context, args);
  if (!lib.isLoopbackHost(settings.host)) {
    context.warn(
      `--host ${settings.host} is not a loopback address: anyone who can reach ${settings.port === 0 ? 'its port' : `port ${settings.port}`} can read every room on the page, and post with the token`,
    );
  }
  await refuseIfOursRuns(context, settings.port);
  if (booleanOption(args, 'detach')) await detach(lib, context, settings);
  else await serve(lib, context, settings);
  return { quiet: settings.json };
}
