// The program: dispatch to one lazily loaded subcommand, and its outcome: the outcome line, or the error
// on one line and its exit code (and, with --json, one JSON document saying so on stdout). The program
// level (help, --version, a mistyped subcommand or option) has the same style, with a hint instead of
// the outcome line.
import { commands, type CommandEntry } from '../commands/registry.js';
import type { CommandContext } from '../commands/shared/command.js';
import { resolveConfigPath } from '../config/paths.js';
import { HipChatError } from '../notifier/errors.js';
import { firstInvalidUtf8Argument } from './argv.js';
import { formatCommandHelp } from './asadmin/help.js';
import {
  booleanOption,
  invalidOption,
  missingRequiredOptions,
  missingRequiredOptionsError,
  parseArgs,
  parseBoolean,
  parseLeadingOptions,
  stringOption,
  type CommandSpec,
  type OptionSpec,
  type ParsedArgs,
} from './asadmin/options.js';
import { UsageError } from './errors.js';
import { EXIT_SUCCESS, EXIT_USAGE, exitCodeFor } from './exit-codes.js';
import { asLine, type ProgramIO } from './io.js';
import { didYouMean } from './suggest.js';

declare const NOTIFIER_VERSION: string;
/** Set by the build; 'development' when the sources run unbundled (unit tests). */
const VERSION = typeof NOTIFIER_VERSION === 'string' ? NOTIFIER_VERSION : 'development';
/** The program level's hint after an error, where a subcommand prints `Command … failed.`. */
const PROGRAM_HINT = "See 'notifier --help'.";

// Global options are also accepted after the subcommand, where asadmin's rules apply to them.
const GLOBAL_OPTIONS: OptionSpec[] = [
  {
    name: 'config',
    type: 'string',
    valueName: 'FILE',
    description: 'config file (default $NOTIFIER_CONFIG, else $XDG_CONFIG_HOME/notifier/config.json)',
  },
  { name: 'terse', type: 'boolean', short: 't', description: 'leave out the "Command … executed successfully." line' },
];

export interface GlobalOptions {
  config?: string;
  terse?: boolean;
}

async function promptForMissing(spec: CommandSpec, args: ParsedArgs, io: ProgramIO, missing: OptionSpec[]): Promise<void> {
  const { promptLine } = await import('./asadmin/prompt.js');
  for (const option of missing) {
    const answer = await promptLine(
      { input: io.stdin, output: io.stderrStream },
      // asadmin's CLICommand lower-cases the name: 'Enter the value for the roomname option> '.
      `Enter the value for the ${option.name.toLowerCase()} option> `,
      option.secret,
    );
    args.options.set(option.name, option.type === 'boolean' ? parseBoolean(option.name, answer.trim()) : answer);
  }
  const stillMissing = missingRequiredOptions(spec, args, io.env);
  if (stillMissing.length > 0)
    throw missingRequiredOptionsError(
      spec.name,
      stillMissing.map((option) => option.name),
    );
}

/** What the failure of a command must also say on stdout: with --json, one document. */
interface FailureOutput {
  json: boolean;
  /** Fields the command adds to its failure document (a batch's counts). */
  fields: Record<string, unknown>;
}

function hasJsonOption(spec: CommandSpec): boolean {
  return spec.options.some((option) => option.name === 'json');
}

/** --json in arguments that could not be parsed: the failure is still told as JSON. */
function jsonAmong(rawArgs: readonly string[]): boolean {
  const end = rawArgs.indexOf('--');
  return (end === -1 ? rawArgs : rawArgs.slice(0, end)).some((arg) => /^--json(=true)?$/i.test(arg));
}

export function commandHelp(entry: CommandEntry, spec: CommandSpec): string {
  return formatCommandHelp(spec, entry.summary, GLOBAL_OPTIONS);
}

export async function runCommand(
  entry: CommandEntry,
  rawArgs: string[],
  globals: GlobalOptions,
  io: ProgramIO,
  failure: FailureOutput = { json: false, fields: {} },
): Promise<void> {
  const module = await entry.load();
  const spec: CommandSpec = { ...module.spec, options: [...module.spec.options, ...GLOBAL_OPTIONS] };
  failure.json = hasJsonOption(spec) && jsonAmong(rawArgs);
  const args = parseArgs(spec, rawArgs);
  if (args.help) {
    io.out(asLine(commandHelp(entry, module.spec)));
    return;
  }
  if (args.version) {
    io.out(`${VERSION}\n`);
    return;
  }
  failure.json = hasJsonOption(spec) && (booleanOption(args, 'json') ?? false);
  const repeated = GLOBAL_OPTIONS.find(
    (option) => args.options.has(option.name) && globals[option.name as keyof GlobalOptions] !== undefined,
  );
  if (repeated) throw new UsageError(`Repeats not allowed for option: ${repeated.name}`);

  const missing = missingRequiredOptions(spec, args, io.env);
  if (missing.length > 0) {
    const interactive = (await io.isInteractive()) && !io.env.CI;
    if (!interactive)
      throw missingRequiredOptionsError(
        spec.name,
        missing.map((option) => option.name),
      );
    await promptForMissing(spec, args, io, missing);
  }

  // Per invocation, not per process (the store's own set did that): tests run main() many times in one process.
  const warned = new Set<string>();
  const warn = (text: string) => io.err(asLine(`Warning: ${text}`));
  const context: CommandContext = {
    configPath: resolveConfigPath(stringOption(args, 'config') ?? globals.config, io.env),
    env: io.env,
    get stdin() {
      return io.stdin;
    },
    print: (text) => io.out(asLine(text)),
    report: (text) => io.err(asLine(text)),
    warn,
    warnOnce: (text) => {
      if (warned.has(text)) return;
      warned.add(text);
      warn(text);
    },
    writeStderr: (text) => io.err(text),
    addFailureFields: (fields) => Object.assign(failure.fields, fields),
  };
  for (const { option, word } of args.tookWords) {
    const operand = (spec.operands?.usage ?? '').replace(/[^A-Za-z]/g, '').toLowerCase();
    context.warn(
      `--${option} took "${word}" as its value, not as part of the ${operand} (asadmin's rule); write --${option}=${word.toLowerCase()} to send "${word}" too`,
    );
  }
  const outcome = await module.run(context, args);
  const terse = booleanOption(args, 'terse') ?? globals.terse ?? false;
  if (!terse && !outcome?.quiet) io.out(`Command ${entry.name} executed successfully.\n`);
}

/** `notifier help [subcommand]`, `--help`, `--version`, nothing at all, or a mistake: everything but a subcommand. */
async function runProgramLevel(io: ProgramIO, argv: readonly string[]): Promise<number> {
  const [first, second] = argv;
  const showProgramHelp = async (write: (text: string) => void) => {
    const { programHelp } = await import('./program.js');
    write(programHelp(commands));
  };
  if (first === undefined) {
    await showProgramHelp(io.err);
    return EXIT_USAGE;
  }
  const flag = first.toLowerCase();
  if (['--help', '-h', '-?'].includes(flag) || (flag === 'help' && second === undefined)) {
    await showProgramHelp(io.out);
    return EXIT_SUCCESS;
  }
  if (flag === '--version' || flag === '-v') {
    io.out(`${VERSION}\n`);
    return EXIT_SUCCESS;
  }
  if (flag === 'help') {
    const entry = commands.find((command) => command.name === second);
    if (!entry) throw notACommand(second!);
    io.out(asLine(commandHelp(entry, (await entry.load()).spec)));
    return EXIT_SUCCESS;
  }
  if (first.startsWith('-')) throw invalidOption(first, GLOBAL_OPTIONS);
  throw notACommand(first);
}

function notACommand(name: string): UsageError {
  const names = commands.map((command) => command.name);
  return new UsageError(`notifier: '${name}' is not a notifier command.${didYouMean(name, names)}`);
}

/** The --json document of a failure: ok false, the error in a few facts, and what the command added. */
function failureDocument(error: unknown, exitCode: number, fields: Record<string, unknown>): string {
  const message = error instanceof Error ? error.message : String(error);
  const status = error instanceof HipChatError ? error.status : undefined;
  return JSON.stringify({ ok: false, error: { message, exitCode, ...(status === undefined ? {} : { status }) }, ...fields });
}

export async function main(io: ProgramIO): Promise<number> {
  let commandName: string | undefined;
  const failure: FailureOutput = { json: false, fields: {} };
  try {
    // The usual call names its subcommand, perhaps after global options: run it without loading
    // commander at all. Only help goes through commander.
    const leading = parseLeadingOptions(GLOBAL_OPTIONS, io.argv);
    const globals: GlobalOptions = {
      config: leading.options.get('config') as string | undefined,
      terse: leading.options.get('terse') as boolean | undefined,
    };
    const entry = commands.find((command) => command.name === leading.rest[0]);
    commandName = entry?.name;
    const invalid = firstInvalidUtf8Argument(io.argv, io.rawArgv);
    if (invalid !== undefined) throw new UsageError(`Invalid argument ${invalid}: it is not valid UTF-8`);
    if (!entry) return await runProgramLevel(io, leading.rest);
    await runCommand(entry, leading.rest.slice(1), globals, io, failure);
    return EXIT_SUCCESS;
  } catch (error) {
    const exitCode = exitCodeFor(error);
    const message = error instanceof Error ? error.message : String(error);
    if (failure.json) io.out(`${failureDocument(error, exitCode, failure.fields)}\n`);
    io.err(asLine(io.env.NOTIFIER_DEBUG === '1' && error instanceof Error && error.stack ? error.stack : message));
    io.err(commandName ? `Command ${commandName} failed.\n` : `${PROGRAM_HINT}\n`);
    return exitCode;
  }
}
