// asadmin prompts for missing required options when a person is at a terminal.
import { createInterface } from 'node:readline';
import { InterruptedError } from '../errors.js';

export interface PromptStreams {
  input: NodeJS.ReadableStream;
  output: NodeJS.WriteStream;
}

/** Reads one line; with hidden set, typed characters are not echoed (for the token). */
export function promptLine(streams: PromptStreams, question: string, hidden = false): Promise<string> {
  const rl = createInterface({ input: streams.input, output: streams.output, terminal: true });
  if (hidden) {
    // readline echoes through _writeToOutput; writing nothing but the question keeps the secret off screen.
    const writable = rl as unknown as { _writeToOutput: (text: string) => void };
    writable._writeToOutput = (text: string) => {
      if (text.includes(question)) streams.output.write(question);
    };
  }
  return new Promise((resolve, reject) => {
    rl.on('SIGINT', () => {
      rl.close();
      reject(new InterruptedError('Interrupted'));
    });
    rl.question(question, (answer) => {
      if (hidden) streams.output.write('\n');
      rl.close();
      resolve(answer);
    });
  });
}
