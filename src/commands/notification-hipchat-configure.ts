// notification-hipchat-configure: asadmin's options (asadmin.md §2) plus token sources, apiUrl,
// rateLimit, the store of the shared rate limit, and TLS settings.
import { booleanOption, stringOption, type CommandSpec, type ParsedArgs } from '../cli/asadmin/options.js';
import { UsageError } from '../cli/errors.js';
import type { HipChatNotifierConfig } from '../config/schema.js';
import { updateConfig } from '../config/store.js';
import { DEFAULT_API_URL, DEFAULT_RATE_LIMIT, FILE_RATE_LIMIT_STORE, rateLimitStoreProblem, roomNameProblem } from '../config/values.js';
import { parseRate } from '../util/rate.js';
import { ensureHealthcheck, ensureHipchatNotifier } from '../healthcheck/catalog.js';
import type { CommandContext } from './shared/command.js';
import { checkedApiUrl, checkedCaFile, hipChatCloudWarning } from './shared/option-values.js';
import { applyDynamic, dynamicOption, targetName, targetOption } from './shared/target.js';
import { readGivenToken, tokenOptions } from './shared/token.js';

export const spec: CommandSpec = {
  name: 'notification-hipchat-configure',
  details:
    "The first run for a target creates its configuration; later runs update it. Every run also sets the health check's HipChat notifier (healthcheck-hipchat-notifier-configure) to --enabled, as Payara does. Values are trimmed, and an empty --roomName= or --token= keeps the stored value, as asadmin does. The file is written atomically, mode 0600.",
  options: [
    { name: 'enabled', type: 'boolean', required: true, description: 'whether notifications are sent' },
    { name: 'roomName', type: 'string', required: true, valueName: 'ROOM', description: 'HipChat room name or id (1-100 characters)' },
    ...tokenOptions(true),
    dynamicOption,
    targetOption,
    { name: 'noisy', type: 'boolean', defaultValue: true, description: 'also send FINE-level health-check results' },
    {
      name: 'apiUrl',
      type: 'string',
      valueName: 'URL',
      defaultValue: DEFAULT_API_URL,
      description: 'HipChat base URL (HipChat Server / Data Center; the default, HipChat Cloud, was shut down in 2019)',
    },
    {
      name: 'rateLimit',
      type: 'string',
      valueName: 'COUNT/DURATION',
      defaultValue: DEFAULT_RATE_LIMIT,
      description: 'at most COUNT notifications in any DURATION, e.g. 30/60s or 100/5m',
    },
    {
      name: 'rateLimitStore',
      type: 'string',
      valueName: 'file|redis://…',
      defaultValue: FILE_RATE_LIMIT_STORE,
      description:
        'where the shared rate limit lives: the state folder of this machine, or redis://[:password@]host[:port][/db] (rediss:// for TLS) for a fleet sharing one token ($NOTIFIER_RATE_LIMIT_STORE overrides it)',
    },
    {
      name: 'caFile',
      type: 'string',
      valueName: 'FILE',
      description: "PEM file of a CA to trust for the server's certificate ('' to forget it)",
    },
    { name: 'insecure', type: 'boolean', description: 'skip TLS certificate verification (last resort; warns on every send)' },
  ],
  examples: [
    {
      description: 'Configure the default target, reading the token from a file',
      command: 'notifier notification-hipchat-configure --enabled --roomName ops --tokenFile ~/.hipchat-token',
    },
    {
      description: 'CI runners on many machines share one token: keep its rate limit in Redis',
      command:
        'notifier notification-hipchat-configure --enabled --roomName "Build Status" --tokenFile ~/.hipchat-token --rateLimitStore redis://:s3cret@redis.internal:6379/0',
    },
    {
      description: 'HipChat Server with an internal CA, token from the environment',
      command:
        'HIPCHAT_TOKEN=... notifier notification-hipchat-configure --enabled=true --roomName "Build Status" --apiUrl https://hipchat.example.com --caFile /etc/ssl/corp-ca.pem',
    },
    {
      description: 'Switch notifications off, keeping room and token',
      command: 'notifier notification-hipchat-configure --enabled=false --roomName= --token=',
    },
  ],
};

/** The room name given, validated; '' (keep the stored one) passes through. */
function givenRoomName(args: ParsedArgs): string {
  const roomName = stringOption(args, 'roomName')!;
  const problem = roomName === '' ? undefined : roomNameProblem(roomName);
  if (problem) throw new UsageError(problem);
  return roomName;
}

function givenApiUrl(args: ParsedArgs, context: CommandContext): string | undefined {
  const given = stringOption(args, 'apiUrl');
  return given === undefined ? undefined : checkedApiUrl(given, '--apiUrl', context);
}

function givenRateLimit(args: ParsedArgs): string | undefined {
  const given = stringOption(args, 'rateLimit');
  if (given !== undefined && !parseRate(given)) {
    throw new UsageError(`Invalid --rateLimit: ${given} (expected COUNT/DURATION, e.g. 30/60s or 100/5m)`);
  }
  return given?.trim();
}

function givenRateLimitStore(args: ParsedArgs): string | undefined {
  const given = stringOption(args, 'rateLimitStore');
  const problem = given === undefined || given === '' ? undefined : rateLimitStoreProblem(given);
  if (problem) throw new UsageError(problem);
  return given || undefined;
}

/** An absolute path, null to forget the stored one (--caFile=), undefined when not given. */
function givenCaFile(args: ParsedArgs): string | null | undefined {
  const given = stringOption(args, 'caFile');
  if (given === undefined || given === '') return given === '' ? null : undefined;
  return checkedCaFile(given);
}

export async function run(context: CommandContext, args: ParsedArgs): Promise<void> {
  const target = targetName(args);
  // Everything given is checked before the file is locked; only the merge with stored values happens under the lock.
  const token = await readGivenToken(args, context.env, () => context.stdin);
  const roomName = givenRoomName(args);
  const apiUrl = givenApiUrl(args, context);
  const rateLimit = givenRateLimit(args);
  const caFile = givenCaFile(args);
  const rateLimitStore = givenRateLimitStore(args);

  const config = await updateConfig(context.configPath, (document) => {
    const section = (document.targets[target] ??= {});
    const stored = section.hipchat;
    const next: HipChatNotifierConfig = {
      enabled: booleanOption(args, 'enabled')!,
      roomName: roomName || (stored?.roomName ?? fail(`No room name stored for target ${target}: give --roomName`)),
      token: token || (stored?.token ?? fail(`No token stored for target ${target}: give --token, --tokenFile or $HIPCHAT_TOKEN`)),
      dynamic: booleanOption(args, 'dynamic') ?? false,
      noisy: booleanOption(args, 'noisy') ?? stored?.noisy ?? true,
      apiUrl: apiUrl ?? stored?.apiUrl ?? DEFAULT_API_URL,
      rateLimit: rateLimit ?? stored?.rateLimit ?? DEFAULT_RATE_LIMIT,
    };
    const keptCaFile = caFile === undefined ? stored?.caFile : caFile;
    if (keptCaFile) next.caFile = keptCaFile;
    if (booleanOption(args, 'insecure') ?? stored?.insecure) next.insecure = true;
    // The default is not stored: a file that never named a store keeps meaning the state folder.
    const keptStore = rateLimitStore ?? stored?.rateLimitStore;
    if (keptStore !== undefined && keptStore !== FILE_RATE_LIMIT_STORE) next.rateLimitStore = keptStore;
    section.hipchat = next;
    // As Payara's BaseNotificationConfigurer (5.x): the health check's HipChat notifier follows --enabled; its noisy stays.
    ensureHipchatNotifier(ensureHealthcheck(section)).enabled = next.enabled;
  });
  await applyDynamic(context, args, target);
  const cloud = hipChatCloudWarning(config.targets[target]!.hipchat!.apiUrl);
  if (cloud) context.warn(cloud);
  if (config.targets[target]?.hipchat?.insecure) {
    context.warn('TLS certificate verification is off for this target (--insecure): anyone on the path can read the token');
  }
}

function fail(message: string): never {
  throw new UsageError(message);
}
