// The config file's error. Like all of notifier's errors it carries facts, never an exit code:
// src/cli/exit-codes.ts maps it.

/** The config file cannot be read, parsed or written. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
