// Options and option values that several commands share: --json, whole numbers, and asadmin's wording
// for a value it refuses.
import { stringOption, type OptionSpec, type ParsedArgs } from '../../cli/asadmin/options.js';
import { UsageError } from '../../cli/errors.js';

export const jsonOption: OptionSpec = { name: 'json', type: 'boolean', description: 'print one JSON object on stdout, nothing else' };

/** asadmin's wording for a value it refuses (two spaces after the period, as asadmin has them). */
export function invalidParameter(name: string, value: string, reason: string): UsageError {
  return new UsageError(`Invalid parameter: ${name}.  Its value is ${value} but ${reason}`);
}

/** A whole-number option within [min, max], or undefined when it was not given. */
export function wholeNumberOption(
  args: ParsedArgs,
  name: string,
  {
    min,
    max = Number.MAX_SAFE_INTEGER,
    reason = `it must be a whole number, ${min} or more`,
  }: { min: number; max?: number; reason?: string },
): number | undefined {
  const text = stringOption(args, name);
  if (text === undefined) return undefined;
  // Digits only: Number() would also take '', ' 5', '0x10' and '1e3'.
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= min && value <= max)) throw invalidParameter(name, text, reason);
  return value;
}
