// Waiting for an event in a test: the condition is looked at often, and the deadline only turns a hang
// into a clear failure (it is never what a test asserts).
const POLL_MS = 20;

export async function waitFor(condition: () => boolean, what: () => string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
