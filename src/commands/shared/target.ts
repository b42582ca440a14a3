// What every notification and health-check command shares: --target, --dynamic, and reading and
// changing the target's section of the config.
import { booleanOption, stringOption, type OptionSpec, type ParsedArgs } from '../../cli/asadmin/options.js';
import { UsageError } from '../../cli/errors.js';
import { ConfigError } from '../../config/errors.js';
import { resolveStateDir } from '../../config/paths.js';
import type { TargetConfig } from '../../config/schema.js';
import { readConfig, updateConfig } from '../../config/store.js';
import type { CommandContext } from './command.js';

export const DEFAULT_TARGET = 'server';

export const targetOption: OptionSpec = {
  name: 'target',
  type: 'string',
  valueName: 'NAME',
  defaultValue: DEFAULT_TARGET,
  description: 'the configuration to use (asadmin target)',
};

export const dynamicOption: OptionSpec = {
  name: 'dynamic',
  type: 'boolean',
  defaultValue: false,
  description: 'apply the change to a running notification service at once (otherwise at its next start)',
};

/** The --target given (or the default), checked. */
export function targetName(args: ParsedArgs): string {
  const target = stringOption(args, 'target') ?? DEFAULT_TARGET;
  if (target.trim() === '' || /[\u0000-\u001f\u007f]/.test(target)) throw new UsageError(`Invalid target name: ${JSON.stringify(target)}`);
  return target;
}

/** With --dynamic=true, asks a running service of this config file and target to apply the stored configuration now. */
export async function applyDynamic(context: CommandContext, args: ParsedArgs, target: string): Promise<void> {
  if (!booleanOption(args, 'dynamic')) return;
  // Loaded only now: it hashes the config path with node:crypto, which most commands do not need.
  const { requestReload } = await import('../../service/control.js');
  requestReload({ stateDir: resolveStateDir(context.env), configPath: context.configPath, target });
}

/** Changes the --target's section under the config lock (creating it if need be), then applies --dynamic. */
export async function changeTarget(context: CommandContext, args: ParsedArgs, change: (section: TargetConfig) => void): Promise<void> {
  const target = targetName(args);
  await updateConfig(context.configPath, (config) => change((config.targets[target] ??= {})));
  await applyDynamic(context, args, target);
}

/**
 * The --target and its stored section. Nothing stored is fine for the default target (asadmin's
 * `server` always exists); any other target never configured is asadmin's error.
 */
export async function readTarget(
  context: CommandContext,
  args: ParsedArgs,
): Promise<{ target: string; section: TargetConfig | undefined }> {
  const target = targetName(args);
  const section = (await readConfig(context.configPath, { warn: context.warnOnce }))?.targets[target];
  if (!section && target !== DEFAULT_TARGET) throw new ConfigError(`No such config named: ${target}`);
  return { target, section };
}
