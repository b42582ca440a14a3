// Options that several subcommands share, described once.
import { stringOption, type OptionSpec, type ParsedArgs } from '../asadmin/options.js';
import { UsageError } from '../errors.js';

export const DEFAULT_TARGET = 'server';

export const targetOption: OptionSpec = {
  name: 'target',
  type: 'string',
  valueName: 'NAME',
  defaultValue: DEFAULT_TARGET,
  description: 'the configuration to use (asadmin target)',
};

export const jsonOption: OptionSpec = { name: 'json', type: 'boolean', description: 'print one JSON object on stdout, nothing else' };

/** The --target given (or the default), checked. */
export function targetName(args: ParsedArgs): string {
  const target = stringOption(args, 'target') ?? DEFAULT_TARGET;
  if (target.trim() === '' || /[\u0000-\u001f\u007f]/.test(target)) throw new UsageError(`Invalid target name: ${JSON.stringify(target)}`);
  return target;
}
