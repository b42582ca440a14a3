// The program: global options, dispatch to one lazily loaded subcommand, and the one place where
// errors become exit codes and outcome lines.
import { Command, CommanderError } from 'commander';
import { formatCommandHelp } from './asadmin/help.js';
import { missingRequiredOptions, missingRequiredOptionsError, parseArgs, parseBoolean, stringOption, booleanOption, type CommandSpec, type OptionSpec, type ParsedArgs } from './asadmin/options.js';
import type { CommandContext } from './commands/command.js';
import { commands, type CommandEntry } from './commands/registry.js';
import { resolveConfigPath } from './config/paths.js';
import { HipChatError, InterruptedError, RateLimitError, UsageError } from './errors.js';

declare const NOTIFIER_VERSION: string;

export const EXIT_SUCCESS = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_TEMPORARY = 75;
export const EXIT_INTERRUPTED = 130;

export function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError) return EXIT_USAGE;
  if (error instanceof RateLimitError) return EXIT_TEMPORARY;
  if (error instanceof HipChatError) return error.retryable ? EXIT_TEMPORARY : EXIT_FAILURE;
  if (error instanceof InterruptedError) return EXIT_INTERRUPTED;
  return EXIT_FAILURE;
}

// Global options are also accepted after the subcommand, where asadmin's rules apply to them.
const GLOBAL_OPTIONS: OptionSpec[] = [
  { name: 'config', type: 'string', valueName: 'FILE', description: 'config file (default $NOTIFIER_CONFIG, else $XDG_CONFIG_HOME/notifier/config.json)' },
  { name: 'terse', type: 'boolean', description: 'leave out the "Command … executed successfully." line' },
];

interface GlobalOptions {
  config?: string;
  terse?: boolean;
}

export interface ProgramIO {
  argv: string[];
  env: NodeJS.ProcessEnv;
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

/** asadmin matches option names case-insensitively; commander does not, so fold the global ones. */
function foldGlobalOptionNames(argv: string[]): string[] {
  const known = ['--config', '--terse', '--help', '--version'];
  const folded = [...argv];
  for (let i = 0; i < folded.length && folded[i]!.startsWith('-'); i++) {
    const [name, ...value] = folded[i]!.split('=');
    const match = known.find((option) => option === name!.toLowerCase());
    if (match) folded[i] = [match, ...value].join('=');
    if (match === '--config' && value.length === 0) i++;
  }
  return folded;
}

function writeLine(stream: NodeJS.WritableStream, text: string): void {
  stream.write(text.endsWith('\n') ? text : `${text}\n`);
}

async function promptForMissing(spec: CommandSpec, args: ParsedArgs, io: ProgramIO, missing: OptionSpec[]): Promise<void> {
  const { promptLine } = await import('./asadmin/prompt.js');
  for (const option of missing) {
    const answer = await promptLine({ input: io.stdin, output: io.stderr }, `Enter the value for the ${option.name} option> `, option.secret);
    args.options.set(option.name, option.type === 'boolean' ? parseBoolean(option.name, answer.trim()) : answer);
  }
  const stillMissing = missingRequiredOptions(spec, args, io.env);
  if (stillMissing.length > 0) throw missingRequiredOptionsError(spec.name, stillMissing.map((option) => option.name));
}

async function runCommand(entry: CommandEntry, rawArgs: string[], globals: GlobalOptions, io: ProgramIO): Promise<void> {
  const module = await entry.load();
  const spec: CommandSpec = { ...module.spec, options: [...module.spec.options, ...GLOBAL_OPTIONS] };
  const args = parseArgs(spec, rawArgs);
  if (args.help) {
    writeLine(io.stdout, formatCommandHelp(spec, entry.summary));
    return;
  }
  const repeated = GLOBAL_OPTIONS.find((option) => args.options.has(option.name) && globals[option.name as keyof GlobalOptions] !== undefined);
  if (repeated) throw new UsageError(`Repeats not allowed for option: ${repeated.name}`);

  const missing = missingRequiredOptions(spec, args, io.env);
  if (missing.length > 0) {
    // node:tty loads node:net: only a command that may prompt pays for it.
    const { isatty } = await import('node:tty');
    const interactive = isatty(0) && isatty(2) && !io.env.CI;
    if (!interactive) throw missingRequiredOptionsError(spec.name, missing.map((option) => option.name));
    await promptForMissing(spec, args, io, missing);
  }

  const context: CommandContext = {
    configPath: resolveConfigPath(stringOption(args, 'config') ?? globals.config, io.env),
    env: io.env,
    get stdin() {
      return io.stdin;
    },
    stdout: io.stdout,
    stderr: io.stderr,
    print: (text) => writeLine(io.stdout, text),
    warn: (text) => writeLine(io.stderr, `Warning: ${text}`),
  };
  const outcome = await module.run(context, args);
  const terse = booleanOption(args, 'terse') ?? globals.terse ?? false;
  if (!terse && !outcome?.quiet) writeLine(io.stdout, `Command ${entry.name} executed successfully.`);
}

function buildProgram(io: ProgramIO, onCommand: (name: string) => void): Command {
  const program = new Command('notifier')
    .description('Configure HipChat room notifications the way Payara\'s asadmin did, and send them.')
    .usage('[--config FILE] [--terse] <subcommand> [options] [operands]')
    .version(NOTIFIER_VERSION, '-V, --version', 'print the version')
    .option('--config <file>', 'config file (default $NOTIFIER_CONFIG, else $XDG_CONFIG_HOME/notifier/config.json)')
    .option('-t, --terse', 'leave out the "Command … executed successfully." lines')
    .helpOption('-h, --help', 'show help; `notifier <subcommand> --help` shows a subcommand\'s options and examples')
    .helpCommand(false)
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: () => {}, // reported by main() like every other error
    })
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  notifier notification-hipchat-configure --enabled --roomName ops --tokenFile ~/.hipchat-token',
        '  notifier get-hipchat-notifier-configuration --maskToken',
        '',
        'Exit codes: 0 success, 1 failed, 2 usage error, 75 temporary failure (retry later).',
      ].join('\n'),
    );

  for (const entry of commands) {
    program
      .command(entry.name)
      .description(entry.summary)
      .helpOption(false)
      .allowUnknownOption()
      .allowExcessArguments()
      .passThroughOptions()
      .argument('[options and operands...]')
      .action(async (rawArgs: string[]) => {
        onCommand(entry.name);
        await runCommand(entry, rawArgs, program.opts<GlobalOptions>(), io);
      });
  }
  return program;
}

function describeCommanderError(error: CommanderError): string {
  return error.message.replace(/^error: /, '').replace(/\n/g, ' ');
}

export async function main(io: ProgramIO): Promise<number> {
  let commandName: string | undefined;
  try {
    if (io.argv.length === 0) {
      writeLine(io.stderr, buildProgram(io, () => {}).helpInformation());
      return EXIT_USAGE;
    }
    await buildProgram(io, (name) => (commandName = name)).parseAsync(foldGlobalOptionNames(io.argv), { from: 'user' });
    return EXIT_SUCCESS;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return EXIT_SUCCESS; // --help, --version
      writeLine(io.stderr, describeCommanderError(error));
      return EXIT_USAGE;
    }
    const message = error instanceof Error ? error.message : String(error);
    writeLine(io.stderr, io.env.NOTIFIER_DEBUG === '1' && error instanceof Error && error.stack ? error.stack : message);
    if (commandName) writeLine(io.stderr, `Command ${commandName} failed.`);
    return exitCodeFor(error);
  }
}
