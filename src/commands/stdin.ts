// Whole-stdin reads, for a token or a message given through a pipe.

export async function readAllBytes(stream: NodeJS.ReadableStream): Promise<Buffer> {
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
