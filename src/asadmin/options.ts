// asadmin's option rules (shared/reference/asadmin.md §1), with asadmin's own error texts.
import { UsageError } from '../errors.js';

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
  /** A required option is also satisfied by one of these options or environment variables. */
  alternatives?: { options?: string[]; env?: string[] };
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
}

export type OptionValue = string | boolean;

export interface ParsedArgs {
  /** Values given on the command line, by canonical name. */
  options: Map<string, OptionValue>;
  operands: string[];
  help: boolean;
}

const BOOLEAN_WORD = /^(true|false)$/i;
const HELP_FLAGS = new Set(['--help', '-h', '-?']);

export function parseArgs(spec: CommandSpec, argv: readonly string[]): ParsedArgs {
  const byLowerName = new Map(spec.options.map((option) => [option.name.toLowerCase(), option]));
  const options = new Map<string, OptionValue>();
  const operands: string[] = [];
  let help = false;

  const set = (option: OptionSpec, value: OptionValue) => {
    if (options.has(option.name)) throw new UsageError(`Repeats not allowed for option: ${option.name}`);
    options.set(option.name, value);
  };

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      operands.push(...argv.slice(i + 1));
      break;
    }
    if (HELP_FLAGS.has(arg.toLowerCase())) {
      help = true;
      continue;
    }
    if (!arg.startsWith('-') || arg === '-') {
      operands.push(arg);
      continue;
    }
    if (!arg.startsWith('--')) throw new UsageError(`Invalid option: ${arg}`);

    const equals = arg.indexOf('=');
    const typedName = equals === -1 ? arg.slice(2) : arg.slice(2, equals);
    const inlineValue = equals === -1 ? undefined : arg.slice(equals + 1);
    const option = byLowerName.get(typedName.toLowerCase());

    if (option) {
      if (option.type === 'boolean') {
        if (inlineValue !== undefined) {
          set(option, parseBoolean(option.name, inlineValue));
        } else if (i + 1 < argv.length && BOOLEAN_WORD.test(argv[i + 1]!)) {
          set(option, argv[++i]!.toLowerCase() === 'true');
        } else {
          set(option, true);
        }
      } else if (inlineValue !== undefined) {
        set(option, inlineValue);
      } else if (i + 1 < argv.length) {
        set(option, argv[++i]!);
      } else {
        throw new UsageError(`Missing value for option: ${option.name}`);
      }
      continue;
    }

    // Exact names win over the --no- prefix, so an option called e.g. 'noisy' stays reachable.
    const negated = typedName.toLowerCase().startsWith('no-')
      ? byLowerName.get(typedName.slice(3).toLowerCase())
      : undefined;
    if (!negated) throw new UsageError(`Invalid option: --${typedName}`);
    if (negated.type !== 'boolean') throw new UsageError(`"--no" illegal with non-boolean option: ${negated.name}`);
    if (inlineValue !== undefined) throw new UsageError(`Option may not have value: ${arg}`);
    set(negated, false);
  }

  if (!spec.operands && operands.length > 0 && !help) {
    throw new UsageError(`Command ${spec.name} takes no operands, got: ${operands[0]}`);
  }
  return { options, operands, help };
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

export function booleanOption(args: ParsedArgs, name: string): boolean | undefined {
  const value = args.options.get(name);
  return typeof value === 'boolean' ? value : undefined;
}
