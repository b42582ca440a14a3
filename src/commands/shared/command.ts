// What every subcommand module exports, and what the CLI hands it.
import type { CommandSpec, ParsedArgs } from '../../cli/asadmin/options.js';
import type { InputStream } from '../../cli/io.js';

export interface CommandContext {
  /** The config file this invocation uses (--config, $NOTIFIER_CONFIG or the XDG default). */
  readonly configPath: string;
  readonly env: NodeJS.ProcessEnv;
  readonly stdin: InputStream;
  /** Writes a line (or lines) to stdout. */
  print(text: string): void;
  /** Writes a line to stderr. */
  report(text: string): void;
  /** Writes 'Warning: …' to stderr. */
  warn(text: string): void;
  /** The same, but a text already warned in this invocation is not repeated (the config file's warning). */
  warnOnce(text: string): void;
  /** Writes raw text to stderr (for a status line that rewrites itself). */
  writeStderr(text: string): void;
  /** With --json, fields that the failure document on stdout carries besides `ok` and `error` (a batch's counts). */
  addFailureFields(fields: Record<string, unknown>): void;
}

export interface CommandOutcome {
  /** Leave out the 'Command … executed successfully.' line (e.g. stdout holds JSON only). */
  quiet?: boolean;
}

export interface CommandModule {
  spec: CommandSpec;
  run(context: CommandContext, args: ParsedArgs): Promise<CommandOutcome | void>;
}
