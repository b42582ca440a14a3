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
  {
    name: 'test-hipchat-notifier-configuration',
    summary: 'Send one test notification; fail unless HipChat accepts it',
    load: () => import('./test-hipchat-notifier-configuration.js'),
  },
  {
    name: 'send-hipchat-notification',
    summary: 'Send a notification (--message, operands or stdin; many with --ndjson)',
    load: () => import('./send-hipchat-notification.js'),
  },
  {
    name: 'start-notification-service',
    summary: 'Run the health checks and send their results to HipChat (foreground, or --detach)',
    load: () => import('./start-notification-service.js'),
  },
  {
    name: 'stop-notification-service',
    summary: 'Stop the notification service of a target',
    load: () => import('./stop-notification-service.js'),
  },
];
