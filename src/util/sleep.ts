// Waiting: the longest delay Node accepts, a sleep that an AbortSignal can end early, and the backoff
// between attempts.

/** setTimeout's longest delay (about 24.8 days): Node turns a longer one into 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.min(ms, MAX_TIMER_MS),
    );
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface Backoff {
  /** The delay after the first failure. */
  firstMs: number;
  /** No delay grows beyond this. */
  maxMs: number;
  /** Growth per failure; default 2. */
  factor?: number;
  /** Spread each delay over its upper half, so that many clients do not retry in step. */
  jitter: boolean;
}

/** The delay after the `failure`th failure in a row (1 for the first). */
export function backoffDelay(failure: number, backoff: Backoff, random: () => number = Math.random): number {
  const ceiling = Math.min(backoff.maxMs, backoff.firstMs * (backoff.factor ?? 2) ** (failure - 1));
  return backoff.jitter ? Math.round(ceiling / 2 + (random() * ceiling) / 2) : ceiling;
}
