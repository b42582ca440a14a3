// Waiting: the longest delay Node accepts, a sleep that an AbortSignal can end early, a deadline for an
// answer, and the backoff between attempts.

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

/**
 * Calls `expired` once `ms` have passed, unless the returned cancel is called first. A timer fires in the event
 * loop's timers phase, before the poll phase reads what arrived on the sockets: a process that got no CPU for
 * longer than `ms` (a loaded CI runner) would call lost an answer already there to be read. So `expired` runs
 * after one more poll phase, and not at all when that answer cancels it.
 */
export function deadline(ms: number, expired: () => void): () => void {
  let immediate: NodeJS.Immediate | undefined;
  const timer = setTimeout(() => (immediate = setImmediate(expired)), Math.min(ms, MAX_TIMER_MS));
  return () => {
    clearTimeout(timer);
    if (immediate !== undefined) clearImmediate(immediate);
  };
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
