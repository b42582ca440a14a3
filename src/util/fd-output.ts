// Output written straight to file descriptors 1 and 2. process.stdout and process.stderr are built on
// first use and load the stream machinery, a few milliseconds of every start; and synchronous writes
// keep stdout and stderr in the order they were written.
import { writeSync } from 'node:fs';
import { errnoCode } from './errno.js';

const waitCell = new Int32Array(new SharedArrayBuffer(4));

/** A reader that closed its end (`notifier … | head -1`) makes the rest of the output pointless, not an error. */
const closedDescriptors = new Set<number>();

export function writeToDescriptor(fd: number, text: string): void {
  if (closedDescriptors.has(fd)) return;
  let rest = Buffer.from(text);
  while (rest.length > 0) {
    try {
      rest = rest.subarray(writeSync(fd, rest));
    } catch (error) {
      const code = errnoCode(error);
      if (code === 'EAGAIN') {
        // A non-blocking pipe that is full: wait a moment for the reader.
        Atomics.wait(waitCell, 0, 0, 1);
      } else if (code === 'EPIPE') {
        closedDescriptors.add(fd);
        return;
      } else {
        throw error;
      }
    }
  }
}
