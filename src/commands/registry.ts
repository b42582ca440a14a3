// Every subcommand: its name, one line for `notifier --help`, and how to load it. Modules are loaded
// only when their command runs, so start-up pays for one command, not all of them.
import type { CommandModule } from './command.js';

export interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<CommandModule>;
}

export const commands: CommandEntry[] = [
  {
    name: 'notification-hipchat-configure',
    summary: 'Write the HipChat notifier configuration of a target',
    load: () => import('./notification-hipchat-configure.js'),
  },
  {
    name: 'get-hipchat-notifier-configuration',
    summary: 'Print the HipChat notifier configuration of a target',
    load: () => import('./get-hipchat-notifier-configuration.js'),
  },
];
