// What every notification and health-check command shares: --dynamic, reading and changing the
// --target's section of the config, asadmin's wording for a refused value.
import { booleanOption, stringOption, type OptionSpec, type ParsedArgs } from '../asadmin/options.js';
import { resolveStateDir } from '../config/paths.js';
import type { TargetConfig } from '../config/schema.js';
import { readConfig, updateConfig } from '../config/store.js';
import { ConfigError, UsageError } from '../errors.js';
import { requestReload } from '../service/control.js';
import type { CommandContext } from './command.js';
import { DEFAULT_TARGET, targetName } from './common-options.js';

export const dynamicOption: OptionSpec = {
  name: 'dynamic',
  type: 'boolean',
  defaultValue: false,
  description: 'apply the change to a running notification service at once (otherwise at its next start)',
};

/** With --dynamic=true, asks a running service of the target to apply the stored configuration now. */
export function applyDynamic(context: CommandContext, args: ParsedArgs, target: string): void {
  if (booleanOption(args, 'dynamic')) requestReload(resolveStateDir(context.env), target);
}

/** Changes the --target's section under the config lock (creating it if need be), then applies --dynamic. */
export async function changeTarget(context: CommandContext, args: ParsedArgs, change: (section: TargetConfig) => void): Promise<void> {
  const target = targetName(args);
  await updateConfig(context.configPath, (config) => change((config.targets[target] ??= {})));
  applyDynamic(context, args, target);
}

/**
 * The --target and its stored section. Nothing stored is fine for the default target (asadmin's
 * `server` always exists); any other target never configured is asadmin's error.
 */
export async function readTarget(context: CommandContext, args: ParsedArgs): Promise<{ target: string; section: TargetConfig | undefined }> {
  const target = targetName(args);
  const section = (await readConfig(context.configPath))?.targets[target];
  if (!section && target !== DEFAULT_TARGET) throw new ConfigError(`No such config named: ${target}`);
  return { target, section };
}

/** asadmin's wording for a value it refuses (two spaces after the period, as asadmin has them). */
export function invalidParameter(name: string, value: string, reason: string): UsageError {
  return new UsageError(`Invalid parameter: ${name}.  Its value is ${value} but ${reason}`);
}

/** A whole-number option within [min, max], or undefined when it was not given. */
export function wholeNumberOption(
  args: ParsedArgs,
  name: string,
  { min, max = Number.MAX_SAFE_INTEGER, reason = `it must be a whole number, ${min} or more` }: { min: number; max?: number; reason?: string },
): number | undefined {
  const text = stringOption(args, name);
  if (text === undefined) return undefined;
  // Digits only: Number() would also take '', ' 5', '0x10' and '1e3'.
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= min && value <= max)) throw invalidParameter(name, text, reason);
  return value;
}
