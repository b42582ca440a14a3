// What a send goes to, and with what: the one place that decides it, for send-hipchat-notification and
// test-hipchat-notifier-configuration (the notification service sends to the stored target alone).
//
// Each setting is taken from its option, else from its environment variables (the first one set; the
// documented name comes before hipchat-cli's aliases), else from the stored target of --target, else
// from its default: option > environment > stored. So a CI job needs no config file at all, and the
// rate limiter, which keys on the API URL, room and token actually used, is shared by every send that
// goes to the same place, however it was told where to go.
//
// A setting is one entry of SETTINGS: adding one gives both commands its option, its help and the same
// precedence at once.
import { booleanOption, stringOption, type OptionSpec, type ParsedArgs } from '../../cli/asadmin/options.js';
import { UsageError } from '../../cli/errors.js';
import { ConfigError } from '../../config/errors.js';
import type { HipChatNotifierConfig } from '../../config/schema.js';
import { readConfig } from '../../config/store.js';
import { DEFAULT_RATE_LIMIT, FILE_RATE_LIMIT_STORE, rateLimitStoreProblem, roomNameProblem } from '../../config/values.js';
import type { NotifierTarget } from '../../notifier/send.js';
import { parseRate, type Rate } from '../../util/rate.js';
import type { CommandContext } from './command.js';
import { checkedApiUrl, checkedCaFile } from './option-values.js';
import { checkToken, readTokenOption, TOKEN_ENV, tokenOptions } from './token.js';

interface Setting<T> {
  /** The options that give it: both commands list them. */
  options: OptionSpec[];
  /** The environment variables that give it, first found first; the first is the documented one. */
  env: readonly string[];
  /** The value the options give, checked; undefined when they give none. */
  fromOptions(args: ParsedArgs, context: CommandContext): T | undefined | Promise<T | undefined>;
  /** The value of the environment variable `variable`, checked. */
  fromEnv?(text: string, variable: string, context: CommandContext): T;
  /** The stored target's value. */
  stored(config: HipChatNotifierConfig): T | undefined;
  /** When nothing gives it. */
  fallback?: T;
  /** A send cannot go without it; this says how to give it. */
  required?: string;
}

const setting = <T>(definition: Setting<T>): Setting<T> => definition;

/** undefined stays undefined, '' too (asadmin: an empty value means "not this one"); anything else is checked. */
function given<T>(text: string | undefined, check: (text: string) => T): T | undefined {
  return text === undefined || text === '' ? undefined : check(text);
}

function checkedRoom(room: string, name: string): string {
  const problem = roomNameProblem(room);
  if (problem) throw new UsageError(name === '--roomName' ? problem : `${problem} (${name})`);
  return room;
}

function checkedStore(store: string, name: string): string {
  const problem = rateLimitStoreProblem(store);
  if (problem) throw new UsageError(name === '--rateLimitStore' ? problem : `${problem} (${name})`);
  return store;
}

const ROOM_ENV = ['HIPCHAT_ROOM', 'HIPCHAT_ROOM_ID'];
const API_URL_ENV = ['HIPCHAT_API_URL', 'HIPCHAT_HOST'];

const SETTINGS = {
  roomName: setting<string>({
    options: [
      {
        name: 'roomName',
        type: 'string',
        valueName: 'ROOM',
        description: 'the room (name or id) instead of the stored one',
        alternatives: { env: ROOM_ENV },
      },
    ],
    env: ROOM_ENV,
    fromOptions: (args) => given(stringOption(args, 'roomName'), (room) => checkedRoom(room, '--roomName')),
    fromEnv: (text, variable) => checkedRoom(text, `$${variable}`),
    stored: (config) => config.roomName,
    required: '--roomName (or $HIPCHAT_ROOM)',
  }),
  token: setting<string>({
    options: tokenOptions(false),
    env: [TOKEN_ENV],
    fromOptions: async (args, context) => (await readTokenOption(args, () => context.stdin)) || undefined,
    fromEnv: (text, variable) => checkToken(text, variable),
    stored: (config) => config.token,
    required: `--token or --tokenFile (or $${TOKEN_ENV})`,
  }),
  apiUrl: setting<string>({
    options: [
      {
        name: 'apiUrl',
        type: 'string',
        valueName: 'URL',
        description: 'HipChat base URL instead of the stored one',
        alternatives: { env: API_URL_ENV },
      },
    ],
    env: API_URL_ENV,
    fromOptions: (args, context) => given(stringOption(args, 'apiUrl'), (url) => checkedApiUrl(url, '--apiUrl', context)),
    // hipchat-cli's HIPCHAT_HOST is a host name (it adds https://); a URL is taken as it is.
    fromEnv: (text, variable, context) =>
      checkedApiUrl(variable === 'HIPCHAT_HOST' && !text.includes('://') ? `https://${text}` : text, `$${variable}`, context),
    stored: (config) => config.apiUrl,
    // No default: https://api.hipchat.com, where configure points by default, was shut down in 2019.
    required: '--apiUrl (or $HIPCHAT_API_URL)',
  }),
  caFile: setting<string>({
    options: [{ name: 'caFile', type: 'string', valueName: 'FILE', description: "PEM file of a CA to trust for the server's certificate" }],
    env: [],
    fromOptions: (args) => given(stringOption(args, 'caFile'), (path) => checkedCaFile(path)),
    stored: (config) => config.caFile,
  }),
  insecure: setting<boolean>({
    options: [{ name: 'insecure', type: 'boolean', description: 'skip TLS certificate verification (last resort; warned about)' }],
    env: [],
    fromOptions: (args) => booleanOption(args, 'insecure'),
    stored: (config) => config.insecure,
    fallback: false,
  }),
  rate: setting<Rate>({
    // Stored only (notification-hipchat-configure --rateLimit); the schema has checked it.
    options: [],
    env: [],
    fromOptions: () => undefined,
    stored: (config) => parseRate(config.rateLimit),
    fallback: parseRate(DEFAULT_RATE_LIMIT),
  }),
  rateLimitStore: setting<string>({
    options: [
      {
        name: 'rateLimitStore',
        type: 'string',
        valueName: 'file|redis://…',
        description: 'where the shared rate limit lives instead of the stored one (file, or redis://… for a fleet)',
        alternatives: { env: ['NOTIFIER_RATE_LIMIT_STORE'] },
      },
    ],
    env: ['NOTIFIER_RATE_LIMIT_STORE'],
    fromOptions: (args) => given(stringOption(args, 'rateLimitStore'), (store) => checkedStore(store, '--rateLimitStore')),
    fromEnv: (text, variable) => checkedStore(text, `$${variable}`),
    stored: (config) => config.rateLimitStore,
    fallback: FILE_RATE_LIMIT_STORE,
  }),
};

type Settings = typeof SETTINGS;
type SettingName = keyof Settings;
type ValueOf<S> = S extends Setting<infer T> ? T : never;

/** The options of every setting, for both commands' specs. */
export const destinationOptions: OptionSpec[] = Object.values(SETTINGS).flatMap((entry) => entry.options);

export interface Destination {
  /** The stored HipChat notifier configuration of --target, if any: its `enabled` still applies to sends. */
  stored: HipChatNotifierConfig | undefined;
  /** The room, token and API URL it goes to, how to reach them, and how fast it may go. */
  notifier: NotifierTarget;
}

/**
 * The destination of this invocation for --target `target`. What the options and the environment give
 * is checked before the configuration is read, so a bad value is exit 2 whatever is stored.
 */
export async function resolveDestination(context: CommandContext, args: ParsedArgs, target: string): Promise<Destination> {
  const entries = Object.entries(SETTINGS) as [SettingName, Setting<unknown>][];
  const given = new Map<SettingName, unknown>();
  for (const [name, entry] of entries) {
    const fromOptions = await entry.fromOptions(args, context);
    if (fromOptions !== undefined) {
      given.set(name, fromOptions);
      continue;
    }
    const variable = entry.env.find((candidate) => context.env[candidate]);
    if (variable !== undefined && entry.fromEnv) given.set(name, entry.fromEnv(context.env[variable]!, variable, context));
  }

  const stored = (await readConfig(context.configPath, { warn: context.warnOnce }))?.targets[target]?.hipchat;
  const values = {} as { [K in SettingName]: ValueOf<Settings[K]> | undefined };
  for (const [name, entry] of entries) {
    (values as Record<SettingName, unknown>)[name] =
      given.get(name) ?? (stored === undefined ? undefined : entry.stored(stored)) ?? entry.fallback;
  }

  const missing = entries.filter(([name, entry]) => entry.required !== undefined && values[name] === undefined);
  if (missing.length > 0) {
    const what = missing.map(([, entry]) => entry.required!);
    const list = what.length === 1 ? what[0]! : `${what.slice(0, -1).join(', ')} and ${what.at(-1)}`;
    throw new ConfigError(
      `No HipChat notifier is configured for target ${target}: give ${list}, or run notifier notification-hipchat-configure first`,
    );
  }
  return {
    stored,
    notifier: {
      apiUrl: values.apiUrl!,
      roomName: values.roomName!,
      token: values.token!,
      rate: values.rate!,
      ...(values.caFile === undefined ? {} : { caFile: values.caFile }),
      ...(values.insecure ? { insecure: true } : {}),
      rateLimitStore: values.rateLimitStore!,
    },
  };
}
