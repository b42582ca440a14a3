// Every subcommand: its name, one line for `notifier --help`, and how to load it. Modules are loaded
// only when their command runs, so start-up pays for one command, not all of them.
import type { CommandModule } from './shared/command.js';

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
    name: 'notification-configure',
    summary: 'Switch the notification service of a target on or off',
    load: () => import('./notification-configure.js'),
  },
  {
    name: 'get-notification-configuration',
    summary: 'Print the notification service configuration of a target',
    load: () => import('./get-notification-configuration.js'),
  },
  {
    name: 'healthcheck-configure',
    summary: 'Switch the health check service of a target on or off',
    load: () => import('./healthcheck-configure.js'),
  },
  {
    name: 'healthcheck-configure-service',
    summary: 'Configure one health checker (on/off, how often, its name)',
    load: () => import('./healthcheck-configure-service.js'),
  },
  {
    name: 'healthcheck-configure-service-threshold',
    summary: 'Set the thresholds of a threshold health checker',
    load: () => import('./healthcheck-configure-service-threshold.js'),
  },
  {
    name: 'healthcheck-service-configure-checker-with-thresholds',
    summary: 'Configure a health checker and its thresholds in one command',
    load: () => import('./healthcheck-service-configure-checker-with-thresholds.js'),
  },
  {
    name: 'healthcheck-hipchat-notifier-configure',
    summary: 'Choose whether health check results go to HipChat',
    load: () => import('./healthcheck-hipchat-notifier-configure.js'),
  },
  {
    name: 'get-healthcheck-configuration',
    summary: 'Print the health check configuration of a target',
    load: () => import('./get-healthcheck-configuration.js'),
  },
  {
    name: 'healthcheck-list-services',
    summary: 'List the health check services',
    load: () => import('./healthcheck-list-services.js'),
  },
  {
    name: 'list-historic-healthchecks',
    summary: 'Print the health check results the notification service kept',
    load: () => import('./list-historic-healthchecks.js'),
  },
  {
    name: 'notifier-list-services',
    summary: 'List the notifier services',
    load: () => import('./notifier-list-services.js'),
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
  {
    name: 'start-local-hipchat',
    summary: 'Run a HipChat-compatible room server with a live page (foreground, or --detach)',
    load: () => import('./start-local-hipchat.js'),
  },
  {
    name: 'stop-local-hipchat',
    summary: 'Stop a local HipChat server started with start-local-hipchat',
    load: () => import('./stop-local-hipchat.js'),
  },
];
