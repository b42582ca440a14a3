// One updating line on stderr for a person watching a terminal (waits, --ndjson progress);
// nothing at all when stderr is a pipe or a file.

export interface StatusLine {
  show(text: string): void;
  clear(): void;
}

export function createStatusLine(write: (text: string) => void, enabled: boolean): StatusLine {
  let shown = false;
  return {
    show(text) {
      if (!enabled) return;
      write(`\r\u001b[2K${text}`);
      shown = true;
    },
    clear() {
      if (!shown) return;
      write('\r\u001b[2K');
      shown = false;
    },
  };
}
