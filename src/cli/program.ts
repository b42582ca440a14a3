// The program level, through commander, for what is not a subcommand call: `notifier --help`,
// `--version`, no arguments, and a mistyped command (with a suggestion). Subcommand calls never load it.
import { Command, CommanderError } from 'commander';
import type { CommandEntry } from '../commands/registry.js';
import { UsageError } from './errors.js';
import { EXIT_SUCCESS, EXIT_USAGE } from './exit-codes.js';
import type { ProgramIO } from './io.js';

declare const NOTIFIER_VERSION: string;

function buildProgram(io: ProgramIO, commands: CommandEntry[]): Command {
  const program = new Command('notifier')
    .description("Configure HipChat room notifications the way Payara's asadmin did, and send them.")
    .usage('[--config FILE] [--terse] <subcommand> [options] [operands]')
    .version(NOTIFIER_VERSION, '-V, --version', 'print the version')
    .option('--config <file>', 'config file (default $NOTIFIER_CONFIG, else $XDG_CONFIG_HOME/notifier/config.json)')
    .option('-t, --terse', 'leave out the "Command … executed successfully." lines')
    .helpOption('-h, --help', "show help; `notifier <subcommand> --help` shows a subcommand's options and examples")
    .helpCommand(false)
    .exitOverride()
    .configureOutput({
      writeOut: io.out,
      writeErr: io.err,
      outputError: () => {}, // thrown as a UsageError, reported by main() like every other error
    })
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  notifier notification-hipchat-configure --enabled --roomName ops --tokenFile ~/.hipchat-token',
        '  notifier get-hipchat-notifier-configuration --maskToken',
        '  notifier send-hipchat-notification --color green "Deploy of 1.4.2 finished"',
        '',
        'Exit codes: 0 success, 1 failed, 2 usage error, 75 temporary failure (retry later), 130 interrupted.',
      ].join('\n'),
    );
  // Listed for help and suggestions only: main() runs subcommands before commander is loaded.
  for (const entry of commands) program.addCommand(new Command(entry.name).description(entry.summary).usage('[options] [operands]'));
  return program;
}

/** The exit code of --help, --version or no arguments; anything else is thrown as a UsageError. */
export async function runProgram(io: ProgramIO, commands: CommandEntry[]): Promise<number> {
  const program = buildProgram(io, commands);
  if (io.argv.length === 0) {
    io.err(program.helpInformation());
    return EXIT_USAGE;
  }
  try {
    // asadmin matches option names case-insensitively; commander does not.
    await program.parseAsync(
      io.argv.map((arg) => (/^--(help|version)$/i.test(arg) ? arg.toLowerCase() : arg)),
      { from: 'user' },
    );
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    if (error.exitCode === 0) return EXIT_SUCCESS;
    throw new UsageError(error.message.replace(/^error: /, '').replace(/\n/g, ' '));
  }
  throw new UsageError('No subcommand given: run notifier --help');
}
