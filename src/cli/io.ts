// What the program reads and writes: argv, the environment, the standard streams.

/** What a command reads its input from: process.stdin, or the bytes a test hands an in-process run. */
export type InputStream = NodeJS.ReadableStream & { readonly isTTY?: boolean; destroy(): void };

export interface ProgramIO {
  argv: string[];
  env: NodeJS.ProcessEnv;
  /** Built on first use: only commands that read stdin pay for it. */
  readonly stdin: InputStream;
  /** Built on first use: only a prompt needs stderr as a stream. */
  readonly stderrStream: NodeJS.WriteStream;
  /** A person at a terminal (stdin and stderr), who may be prompted for missing options. */
  isInteractive(): Promise<boolean>;
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
