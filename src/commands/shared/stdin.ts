// Reads of stdin: whole, for a token or a message given through a pipe; line by line, for --ndjson.
import { isUtf8 } from 'node:buffer';

async function readAllBytes(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  return (await readAllBytes(stream)).toString('utf8');
}

/**
 * The first maxBytes of the stream, the rest read and dropped (so a writer never sees EPIPE):
 * a huge stdin costs no more memory than the part that can be used.
 */
export async function readPrefix(stream: NodeJS.ReadableStream, maxBytes: number): Promise<{ bytes: Buffer; complete: boolean }> {
  const chunks: Buffer[] = [];
  let kept = 0;
  let complete = true;
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (kept >= maxBytes) {
      complete = false;
      continue;
    }
    const part = buffer.subarray(0, maxBytes - kept);
    if (part.length < buffer.length) complete = false;
    chunks.push(part);
    kept += part.length;
  }
  return { bytes: Buffer.concat(chunks), complete };
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/** A line's text without its "\r", or undefined when its bytes are not UTF-8. */
function decodeLine(pieces: Buffer[]): string | undefined {
  const bytes = pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
  if (!isUtf8(bytes)) return undefined;
  const end = bytes.at(-1) === CARRIAGE_RETURN ? bytes.length - 1 : bytes.length;
  return bytes.toString('utf8', 0, end);
}

/**
 * The stream's lines (split on "\n", a "\r" before it dropped), streamed, each checked on its own:
 * a line that is not valid UTF-8 comes as undefined. readline would instead turn bad bytes into U+FFFD
 * and the line would be sent altered.
 */
export async function* readLines(stream: NodeJS.ReadableStream): AsyncGenerator<string | undefined> {
  // The start of a line whose end has not come yet.
  let pending: Buffer[] = [];
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    let start = 0;
    for (let end = buffer.indexOf(NEWLINE); end !== -1; end = buffer.indexOf(NEWLINE, start)) {
      pending.push(buffer.subarray(start, end));
      yield decodeLine(pending);
      pending = [];
      start = end + 1;
    }
    if (start < buffer.length) pending.push(buffer.subarray(start));
  }
  if (pending.length > 0) yield decodeLine(pending);
}
