// Options and option values that several commands share: --json, whole numbers, asadmin's wording
// for a value it refuses, and the checks of an API URL and a CA file however they are given.
import { accessSync, constants } from 'node:fs';
import { resolve } from 'node:path';
import { stringOption, type OptionSpec, type ParsedArgs } from '../../cli/asadmin/options.js';
import { InputError, UsageError } from '../../cli/errors.js';
import { checkApiUrl, DEFAULT_API_URL } from '../../config/values.js';
import { describeErrno } from '../../util/errno.js';
import type { CommandContext } from './command.js';

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

/** One failed bean constraint of a Payara command parameter (@Min / @Max, with the message it declares). */
export interface Violation {
  reason: string;
  parameter: string;
}

/**
 * Payara's CommandRunnerImpl.checkAgainstBeanConstraints text for the command's failed constraints:
 * `Parameters for command <command> violate the following constraints: violation reason [ <reason> ] on
 * parameter [ <parameter> ]`, several joined by ', '.
 */
export function constraintError(command: string, violations: readonly Violation[]): UsageError {
  const reasons = violations.map(({ reason, parameter }) => `violation reason [ ${reason} ] on parameter [ ${parameter} ]`);
  return new UsageError(`Parameters for command ${command} violate the following constraints: ${reasons.join(', ')}`);
}

/** A number as Java's BigDecimal reads it (what Payara's @Min / @Max check on a String): '5', '-1', '50.5', '1e2'. */
export function decimalValue(text: string): number | undefined {
  return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) ? Number(text) : undefined;
}

const JAVA_INT = { min: -(2 ** 31), max: 2 ** 31 - 1 };

/**
 * An Integer parameter, converted as Payara's MapInjectionResolver converts it, with its text for a value
 * that is not one (on one line: Payara's has a line break before "Its value").
 */
export function integerOption(args: ParsedArgs, name: string): number | undefined {
  const text = stringOption(args, name);
  if (text === undefined) return undefined;
  const value = /^[+-]?\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= JAVA_INT.min && value <= JAVA_INT.max)) {
    throw new UsageError(`Invalid parameter: ${name}.  This integer option must be set to a valid integer. Its value was set to ${text}`);
  }
  return value;
}

/** A HipChat base URL, normalised; refused (exit 2) with the reason; plain http over the network is warned about. */
export function checkedApiUrl(text: string, name: string, context: CommandContext): string {
  const checked = checkApiUrl(text, name);
  if ('problem' in checked) throw new UsageError(checked.problem);
  if (checked.plainHttp) context.warn(`${name} ${checked.url} is plain http: the token will cross the network unencrypted`);
  return checked.url;
}

/** The warning for a configuration that points at HipChat Cloud, which is no more. */
export function hipChatCloudWarning(apiUrl: string): string | undefined {
  if (new URL(apiUrl).hostname !== new URL(DEFAULT_API_URL).hostname) return undefined;
  return `${DEFAULT_API_URL} is HipChat Cloud, which Atlassian shut down in 2019: give your HipChat Server's URL with --apiUrl, or run a HipChat-compatible server with notifier start-local-hipchat`;
}

/** A CA file as an absolute path, readable now. */
export function checkedCaFile(path: string, name = '--caFile'): string {
  const absolute = resolve(path);
  try {
    accessSync(absolute, constants.R_OK);
  } catch (error) {
    throw new InputError(`Cannot read ${name} ${absolute}: ${describeErrno(error)}`);
  }
  return absolute;
}
