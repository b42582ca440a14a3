// A long run of sends keeps V8's young generation at the size it starts with. V8 doubles it (up to 32 MB on
// 64 bits) each time as many bytes have survived scavenges as it holds, and the requests in flight at every
// scavenge survive it: a long enough stream grows it to the maximum, most of a 100 000-line --ndjson run's
// resident memory. Kept small, scavenges come more often, each as cheap (a scavenge copies only what is live).

/**
 * Call once the code of the run is loaded: changing a V8 flag changes the flag hash a chunk's code cache is
 * checked against, so a chunk loaded after it would compile from scratch. node:v8 is loaded here, not by every
 * command that sends.
 */
export async function keepYoungGenerationSmall(): Promise<void> {
  const { setFlagsFromString } = await import('node:v8');
  setFlagsFromString('--semi-space-growth-factor=1');
}
