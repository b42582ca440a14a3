// The test suite's HipChat server: notifier's own local HipChat (src/local-hipchat, what
// `start-local-hipchat` runs), started in-process on port 0 the way the tests have always used their
// stand-in: TEST_TOKEN, every request recorded, HipChat's limits off unless a test gives them. So what
// users run and what the tests check is one contract. All of the library's options and methods are
// there too (rooms, chaos, dataDir, notifications(), waitFor()...).
//
// Where it differs from the stand-in this file held before, on purpose (see test/local-hipchat/ported.test.ts):
// the legacy `auth_token` query parameter is accepted as HipChat accepted it (assert on `requests[i].url`
// that notifier never sends one), a request without any token gets HipChat's "Authenticated requests
// only..." 401, lengths count UTF-16 code units, a card needs its `title`, and `delivered()` counts only
// notifications (not a 204 on another path).
import { startLocalHipChat, type LocalHipChat, type LocalHipChatOptions } from '../../src/local-hipchat/index.js';

export type { Fault, RecordedRequest, WindowLimit } from '../../src/local-hipchat/index.js';

export const TEST_TOKEN = 'test-token-0123456789abcdef';

export type HipChatServerOptions = LocalHipChatOptions;
export type HipChatTestServer = LocalHipChat;

/** The local HipChat on 127.0.0.1, port 0 (or `options.port`), with the test defaults above; `options` win (a limit given as undefined is the default, off). */
export function startHipChatServer(options: HipChatServerOptions = {}): Promise<HipChatTestServer> {
  return startLocalHipChat({
    tokens: [TEST_TOKEN],
    record: true,
    ...options,
    tokenLimit: options.tokenLimit ?? null,
    floodLimit: options.floodLimit ?? null,
  });
}
