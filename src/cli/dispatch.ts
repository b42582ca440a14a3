// The program: dispatch to one lazily loaded subcommand, and its outcome: the outcome line, or the error
// on one line and its exit code.
import { commands, type CommandEntry } from '../commands/registry.js';
import type { CommandContext } from '../commands/shared/command.js';
import { resolveConfigPath } from '../config/paths.js';
import { formatCommandHelp } from './asadmin/help.js';
import {
  booleanOption,
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
import { EXIT_SUCCESS, exitCodeFor } from './exit-codes.js';
import { asLine, type ProgramIO } from './io.js';

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

export async function runCommand(entry: CommandEntry, rawArgs: string[], globals: GlobalOptions, io: ProgramIO): Promise<void> {
  const module = await entry.load();
  const spec: CommandSpec = { ...module.spec, options: [...module.spec.options, ...GLOBAL_OPTIONS] };
  const args = parseArgs(spec, rawArgs);
  if (args.help) {
    io.out(asLine(formatCommandHelp(spec, entry.summary)));
    return;
  }
  const repeated = GLOBAL_OPTIONS.find(
    (option) => args.options.has(option.name) && globals[option.name as keyof GlobalOptions] !== undefined,
  );
  if (repeated) throw new UsageError(`Repeats not allowed for option: ${repeated.name}`);

  const missing = missingRequiredOptions(spec, args, io.env);
  if (missing.length > 0) {
    // node:tty loads node:net: only a command that may prompt pays for it.
    const { isatty } = await import('node:tty');
    const interactive = isatty(0) && isatty(2) && !io.env.CI;
    if (!interactive)
      throw missingRequiredOptionsError(
        spec.name,
        missing.map((option) => option.name),
      );
    await promptForMissing(spec, args, io, missing);
  }

  const context: CommandContext = {
    configPath: resolveConfigPath(stringOption(args, 'config') ?? globals.config, io.env),
    env: io.env,
    get stdin() {
      return io.stdin;
    },
    print: (text) => io.out(asLine(text)),
    report: (text) => io.err(asLine(text)),
    warn: (text) => io.err(asLine(`Warning: ${text}`)),
    writeStderr: (text) => io.err(text),
  };
  const outcome = await module.run(context, args);
  const terse = booleanOption(args, 'terse') ?? globals.terse ?? false;
  if (!terse && !outcome?.quiet) io.out(`Command ${entry.name} executed successfully.\n`);
}

export async function main(io: ProgramIO): Promise<number> {
  let commandName: string | undefined;
  try {
    // The usual call names its subcommand, perhaps after global options: run it without loading
    // commander at all. Only --help, --version and mistakes go through the program level.
    const leading = parseLeadingOptions(GLOBAL_OPTIONS, io.argv);
    const globals: GlobalOptions = {
      config: leading.options.get('config') as string | undefined,
      terse: leading.options.get('terse') as boolean | undefined,
    };
    const entry = commands.find((command) => command.name === leading.rest[0]);
    if (entry) {
      commandName = entry.name;
      await runCommand(entry, leading.rest.slice(1), globals, io);
      return EXIT_SUCCESS;
    }
    const { runProgram } = await import('./program.js');
    return await runProgram({ ...io, argv: leading.rest }, commands);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    io.err(asLine(io.env.NOTIFIER_DEBUG === '1' && error instanceof Error && error.stack ? error.stack : message));
    if (commandName) io.err(`Command ${commandName} failed.\n`);
    return exitCodeFor(error);
  }
}
