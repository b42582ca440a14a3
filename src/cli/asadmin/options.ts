// asadmin's option rules (shared/reference/asadmin.md §1), with asadmin's own error texts.
import { UsageError } from '../errors.js';
import { didYouMean } from '../suggest.js';

export interface OptionSpec {
  /** Canonical name as asadmin spells it, e.g. 'roomName'; matched case-insensitively. */
  name: string;
  type: 'boolean' | 'string';
  required?: boolean;
  /** Shown in help; applied by the command (a stored value may win over it). */
  defaultValue?: string | boolean;
  /** Placeholder for the value in help, e.g. 'NAME'. */
  valueName?: string;
  description: string;
  /** Prompted for without echo. */
  secret?: boolean;
  /** One-letter alias, e.g. 't' for -t (booleans only). */
  short?: string;
  /** A required option is also satisfied by one of these options or environment variables. */
  alternatives?: { options?: string[]; env?: string[] };
  /** Keep the value exactly as given (message text); every other value is trimmed, as asadmin trims it. */
  verbatim?: boolean;
  /**
   * A string option that may be given more than once (`--token A --token B`): its values are kept in
   * order, as a string[] (read them with stringsOption). Every other option refuses a repeat, as asadmin does.
   */
  repeatable?: boolean;
}

export interface Example {
  command: string;
  description: string;
}

export interface CommandSpec {
  name: string;
  /** What `--help` shows after the summary: one paragraph, or none. */
  details?: string;
  options: OptionSpec[];
  /** Help text for operands, e.g. '[MESSAGE...]'; commands without operands reject them. */
  operands?: { usage: string; description: string };
  examples: Example[];
  /**
   * The exit codes the command can return besides 0, 1 and 2 (75: temporary failure, 130: interrupted),
   * for its help. 130 is added for any command with a required option: its prompt can be interrupted.
   */
  moreExitCodes?: number[];
}

/** A repeatable option's values are a string[]; any other option's value is a string or a boolean. */
export type OptionValue = string | boolean | string[];

export interface ParsedArgs {
  /** Values given on the command line, by canonical name. */
  options: Map<string, OptionValue>;
  operands: string[];
  help: boolean;
  /** --version (or -V) was given: print the version, do nothing else. */
  version: boolean;
  /**
   * Booleans that took the following word as their value although operands follow it (`--notify True
   * story` sends "story"): asadmin's rule, but the word may have been meant as part of the operands.
   */
  tookWords: { option: string; word: string }[];
}

const BOOLEAN_WORD = /^(true|false)$/i;
const HELP_FLAGS = new Set(['--help', '-h', '-?']);
const VERSION_FLAGS = new Set(['--version', '-v']);

type OptionTable = Map<string, OptionSpec>;

/**
 * asadmin's Parser.setOption trims every option value with Java's String.trim(): the characters up to
 * U+0020 (space, tab, CR, LF and the other control characters) at both ends.
 */
function javaTrim(value: string): string {
  return value.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '');
}

function optionTable(options: readonly OptionSpec[]): OptionTable {
  // Keyed by lower-case name: asadmin matches option names case-insensitively.
  return new Map(options.map((option) => [option.name.toLowerCase(), option]));
}

/**
 * Reads the option at argv[index] (and its value, when the next argument is it). Undefined when that
 * argument does not name an option of the table; asadmin's errors for a named option misused.
 */
function readOption(
  argv: readonly string[],
  index: number,
  table: OptionTable,
): { option: OptionSpec; value: string | boolean; next: number; word?: string } | undefined {
  const arg = argv[index]!;
  if (/^-[^-]$/.test(arg)) {
    const option = [...table.values()].find((candidate) => candidate.short === arg[1]);
    return option?.type === 'boolean' ? { option, value: true, next: index + 1 } : undefined;
  }
  if (!arg.startsWith('--')) return undefined;
  const equals = arg.indexOf('=');
  const typedName = equals === -1 ? arg.slice(2) : arg.slice(2, equals);
  const inlineValue = equals === -1 ? undefined : arg.slice(equals + 1);
  const following = argv[index + 1];
  const option = table.get(typedName.toLowerCase());

  if (option?.type === 'boolean') {
    if (inlineValue !== undefined) return { option, value: parseBoolean(option.name, javaTrim(inlineValue)), next: index + 1 };
    // asadmin looks at the next argument untrimmed: `--enabled " true"` leaves " true" as an operand.
    if (following !== undefined && BOOLEAN_WORD.test(following))
      return { option, value: following.toLowerCase() === 'true', next: index + 2, word: following };
    return { option, value: true, next: index + 1 };
  }
  if (option) {
    const given = (value: string) => (option.verbatim ? value : javaTrim(value));
    if (inlineValue !== undefined) return { option, value: given(inlineValue), next: index + 1 };
    if (following === undefined) throw new UsageError(`Missing value for option: ${option.name}`);
    return { option, value: given(following), next: index + 2 };
  }

  // Exact names win over the --no- prefix, so an option called e.g. 'noisy' stays reachable.
  const negated = typedName.toLowerCase().startsWith('no-') ? table.get(typedName.slice(3).toLowerCase()) : undefined;
  if (!negated) return undefined;
  if (negated.type !== 'boolean') throw new UsageError(`"--no" illegal with non-boolean option: ${negated.name}`);
  if (inlineValue !== undefined) throw new UsageError(`Option may not have value: ${arg}`);
  return { option: negated, value: false, next: index + 1 };
}

function setOption(options: Map<string, OptionValue>, option: OptionSpec, value: string | boolean): void {
  if (option.repeatable && option.type === 'string') {
    const values = options.get(option.name);
    options.set(option.name, [...(Array.isArray(values) ? values : []), String(value)]);
    return;
  }
  if (options.has(option.name)) throw new UsageError(`Repeats not allowed for option: ${option.name}`);
  options.set(option.name, value);
}

export function parseArgs(spec: CommandSpec, argv: readonly string[]): ParsedArgs {
  const table = optionTable(spec.options);
  const options = new Map<string, OptionValue>();
  const operands: string[] = [];
  const tookWords: ParsedArgs['tookWords'] = [];
  let help = false;
  let version = false;

  for (let i = 0; i < argv.length; ) {
    const arg = argv[i]!;
    if (arg === '--') {
      operands.push(...argv.slice(i + 1));
      break;
    }
    if (HELP_FLAGS.has(arg.toLowerCase())) {
      help = true;
      i++;
      continue;
    }
    if (VERSION_FLAGS.has(arg.toLowerCase())) {
      version = true;
      i++;
      continue;
    }
    if (isOperand(arg)) {
      operands.push(arg);
      i++;
      continue;
    }
    const read = readOption(argv, i, table);
    if (!read) throw invalidOption(arg, spec.options);
    setOption(options, read.option, read.value);
    const after = argv[read.next];
    if (read.word !== undefined && spec.operands && after !== undefined && isOperand(after))
      tookWords.push({ option: read.option.name, word: read.word });
    i = read.next;
  }

  if (!spec.operands && operands.length > 0 && !help) {
    // The operand is not quoted: after a mistyped `--token= SECRET` it would be the token.
    throw new UsageError(`Command ${spec.name} takes no operands, but ${operands.length} ${operands.length === 1 ? 'was' : 'were'} given`);
  }
  return { options, operands, help, version, tookWords };
}

function isOperand(arg: string): boolean {
  return !arg.startsWith('-') || arg === '-';
}

/** asadmin's `Invalid option: --bogus`, with the nearest option names when some are close. */
export function invalidOption(arg: string, known: readonly OptionSpec[]): UsageError {
  const typed = arg.split('=', 1)[0]!;
  const names = [...known.map((option) => option.name), 'help', 'version'];
  const suggestion = didYouMean(typed.replace(/^-+/, ''), names, (name) => `--${name}`);
  return new UsageError(suggestion === '' ? `Invalid option: ${typed}` : `Invalid option: ${typed}.${suggestion}`);
}

/** The options of the table at the start of argv, and the arguments from the first one that is not. */
export function parseLeadingOptions(
  optionSpecs: readonly OptionSpec[],
  argv: readonly string[],
): { options: Map<string, OptionValue>; rest: string[] } {
  const table = optionTable(optionSpecs);
  const options = new Map<string, OptionValue>();
  let i = 0;
  for (;;) {
    const read = i < argv.length ? readOption(argv, i, table) : undefined;
    if (!read) break;
    setOption(options, read.option, read.value);
    i = read.next;
  }
  return { options, rest: argv.slice(i) };
}

export function parseBoolean(optionName: string, value: string): boolean {
  if (!BOOLEAN_WORD.test(value)) throw new UsageError(`Invalid boolean value for option: ${optionName}, Value: ${value}`);
  return value.toLowerCase() === 'true';
}

/** The error asadmin gives, non-interactively, when required options are missing. */
export function missingRequiredOptionsError(commandName: string, missing: readonly string[]): UsageError {
  const lines = missing.map((name) => `Option --${name} is required but was not specified`);
  lines.push(`Command ${commandName} is missing required options`);
  return new UsageError(lines.join('\n'));
}

/** Required options neither given nor satisfied by one of their alternatives. */
export function missingRequiredOptions(spec: CommandSpec, args: ParsedArgs, env: NodeJS.ProcessEnv): OptionSpec[] {
  return spec.options.filter(
    (option) =>
      option.required &&
      !args.options.has(option.name) &&
      !option.alternatives?.options?.some((name) => args.options.has(name)) &&
      !option.alternatives?.env?.some((name) => env[name] !== undefined),
  );
}

export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const value = args.options.get(name);
  return typeof value === 'string' ? value : undefined;
}

/** The values of a repeatable option in the order given (a single string, e.g. a prompted answer, as one value). */
export function stringsOption(args: ParsedArgs, name: string): string[] | undefined {
  const value = args.options.get(name);
  if (Array.isArray(value)) return value;
  return typeof value === 'string' ? [value] : undefined;
}

export function booleanOption(args: ParsedArgs, name: string): boolean | undefined {
  const value = args.options.get(name);
  return typeof value === 'boolean' ? value : undefined;
}
