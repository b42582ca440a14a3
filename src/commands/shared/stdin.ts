// Reads of what a command is handed, each bounded: stdin whole (a token, a card, a message) or line by
// line (--ndjson), and the files named on the command line (a token file, a card file).
import { isUtf8 } from 'node:buffer';
import { closeSync, openSync, readSync } from 'node:fs';

const KB = 1024;
const MB = 1024 * KB;

/** '64 KB', '1 MB', '100 bytes': a limit as a person reads it. */
export function describeBytes(count: number): string {
  if (count >= MB && count % MB === 0) return `${count / MB} MB`;
  if (count >= KB && count % KB === 0) return `${count / KB} KB`;
  return `${count} bytes`;
}

export interface BoundedRead {
  bytes: Buffer;
  /** More than the limit was there: `bytes` holds the limit and one byte more, and the rest was not read. */
  overLimit: boolean;
}

/**
 * All of the stream when it holds at most maxBytes; else the first maxBytes + 1 and overLimit, without
 * reading further (`yes | notifier …` and an endless pipe cost no more than the limit).
 */
export async function readAtMost(stream: NodeJS.ReadableStream, maxBytes: number): Promise<BoundedRead> {
  const chunks: Buffer[] = [];
  let kept = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    chunks.push(buffer.subarray(0, maxBytes + 1 - kept));
    kept += chunks.at(-1)!.length;
    // Leaving the loop ends the stream: nothing more is read.
    if (kept > maxBytes) break;
  }
  return { bytes: Buffer.concat(chunks), overLimit: kept > maxBytes };
}

/** The same for a file (`/dev/zero` included); throws the system call's error when it cannot be read. */
export function readFileAtMost(path: string, maxBytes: number): BoundedRead {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(maxBytes + 1);
    let kept = 0;
    for (let read = -1; read !== 0 && kept < buffer.length; kept += read) read = readSync(fd, buffer, kept, buffer.length - kept, null);
    return { bytes: buffer.subarray(0, kept), overLimit: kept > maxBytes };
  } finally {
    closeSync(fd);
  }
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

/** A line that cannot be used, and why ('not valid UTF-8', 'longer than …'). */
export interface LineProblem {
  problem: string;
}

/** A line's text without its "\r", or a problem when its bytes are not UTF-8. */
function decodeLine(pieces: Buffer[]): string | LineProblem {
  const bytes = pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
  if (!isUtf8(bytes)) return { problem: 'not valid UTF-8' };
  const end = bytes.at(-1) === CARRIAGE_RETURN ? bytes.length - 1 : bytes.length;
  return bytes.toString('utf8', 0, end);
}

/**
 * The stream's lines (split on "\n", a "\r" before it dropped), streamed, each checked on its own: a
 * line that is not valid UTF-8 comes as a problem (readline would turn bad bytes into U+FFFD and the
 * line would be sent altered), and so does a line over maxLineBytes, whose bytes are dropped as they
 * come rather than held until its end.
 */
export async function* readLines(stream: NodeJS.ReadableStream, maxLineBytes: number): AsyncGenerator<string | LineProblem> {
  const tooLong: LineProblem = { problem: `longer than ${describeBytes(maxLineBytes)}: not read` };
  // The start of a line whose end has not come yet, and its length; undefined while skipping a long one.
  let pending: Buffer[] | undefined = [];
  let pendingBytes = 0;
  const add = (piece: Buffer) => {
    pendingBytes += piece.length;
    if (pendingBytes > maxLineBytes) pending = undefined;
    else pending?.push(piece);
  };
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    let start = 0;
    for (let end = buffer.indexOf(NEWLINE); end !== -1; end = buffer.indexOf(NEWLINE, start)) {
      add(buffer.subarray(start, end));
      yield pending === undefined ? tooLong : decodeLine(pending);
      pending = [];
      pendingBytes = 0;
      start = end + 1;
    }
    if (start < buffer.length) add(buffer.subarray(start));
  }
  if (pending === undefined) yield tooLong;
  else if (pendingBytes > 0) yield decodeLine(pending);
}
