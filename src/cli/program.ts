// The program's own help (`notifier --help`, `notifier help`, no arguments), laid out by commander.
// Only those calls load it: dispatch.ts runs subcommands, --version and mistakes without commander.
import { Command } from 'commander';
import type { CommandEntry } from '../commands/registry.js';
import { formatExitCodes } from './asadmin/help.js';

export function programHelp(commands: readonly CommandEntry[]): string {
  const program = new Command('notifier')
    .description("Configure HipChat room notifications the way Payara's asadmin did, and send them.")
    .usage('[--config FILE] [--terse] <subcommand> [options] [operands]')
    .option('--config <file>', 'config file (default $NOTIFIER_CONFIG, else $XDG_CONFIG_HOME/notifier/config.json)')
    .option('-t, --terse', 'leave out the "Command … executed successfully." lines')
    .option('-V, --version', 'print the version (also after a subcommand)')
    .helpOption('-h, --help', "show this help; `notifier <subcommand> --help` shows a subcommand's options and examples")
    .helpCommand('help [subcommand]', 'show the help of a subcommand');
  for (const entry of commands) program.addCommand(new Command(entry.name).description(entry.summary).usage('[options] [operands]'));
  return [
    program.helpInformation().trimEnd(),
    '',
    'Examples:',
    '  notifier notification-hipchat-configure --enabled --roomName ops --tokenFile ~/.hipchat-token --apiUrl https://hipchat.example.com',
    '  notifier get-hipchat-notifier-configuration --maskToken',
    '  notifier send-hipchat-notification --color green "Deploy of 1.4.2 finished"',
    '  HIPCHAT_TOKEN=... notifier send-hipchat-notification --roomName ops --apiUrl https://hipchat.example.com "no config file needed"',
    '',
    formatExitCodes([0, 1, 2, 75, 130]),
    '',
  ].join('\n');
}
