// Arguments that are not UTF-8. Node decodes argv itself and turns bytes that are not UTF-8 into U+FFFD,
// so such an argument would be sent altered (the same bytes on stdin are refused). The bytes as given
// are only known from /proc/self/cmdline, read only when an argument holds a U+FFFD.
import { isUtf8 } from 'node:buffer';

/** The 1-based position of the first argument whose bytes are not UTF-8, or undefined. */
export function firstInvalidUtf8Argument(
  argv: readonly string[],
  rawArgv: (() => readonly Buffer[] | undefined) | undefined,
): number | undefined {
  const suspect = argv.findIndex((arg) => arg.includes('\uFFFD'));
  if (suspect === -1) return undefined;
  const raw = rawArgv?.();
  for (let index = suspect; index < argv.length; index++) {
    if (!argv[index]!.includes('\uFFFD')) continue;
    // Without the bytes, a U+FFFD is almost always what a bad byte became.
    const bytes = raw?.[raw.length - argv.length + index];
    if (bytes === undefined || !isUtf8(bytes)) return index + 1;
  }
  return undefined;
}

/** This process's arguments as bytes (Linux), the program's own last; undefined where /proc is not there. */
export function procCmdline(readFile: (path: string) => Buffer): readonly Buffer[] | undefined {
  let bytes: Buffer;
  try {
    bytes = readFile('/proc/self/cmdline');
  } catch {
    return undefined;
  }
  const parts: Buffer[] = [];
  for (let start = 0; start < bytes.length; ) {
    const end = bytes.indexOf(0, start);
    const stop = end === -1 ? bytes.length : end;
    parts.push(bytes.subarray(start, stop));
    start = stop + 1;
  }
  return parts;
}
