// What the program reads and writes: argv, the environment, the standard streams.

export interface ProgramIO {
  argv: string[];
  env: NodeJS.ProcessEnv;
  /** Built on first use: only commands that read stdin pay for it. */
  readonly stdin: NodeJS.ReadStream;
  /** Built on first use: only a prompt needs stderr as a stream. */
  readonly stderrStream: NodeJS.WriteStream;
  /** The arguments as the bytes they were given in, when they can be known (see argv.ts). */
  rawArgv?: () => readonly Buffer[] | undefined;
  /** Raw text to stdout / stderr. */
  out(text: string): void;
  err(text: string): void;
}

/** The text ending in exactly one newline of its own. */
export function asLine(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}
