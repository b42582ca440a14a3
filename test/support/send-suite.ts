// What the send-hipchat-notification end-to-end files share: a sandbox per test, a HipChat-compatible
// server configured as the default target, and a check at the end that no output held the token.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, expect } from 'vitest';
import { capturedOutputs, createSandbox, type RunResult, type Sandbox } from './cli.js';
import { startHipChatServer, TEST_TOKEN, type HipChatServerOptions, type HipChatTestServer } from './hipchat-server.js';

export const SEND = 'send-hipchat-notification';
export const TEST = 'test-hipchat-notifier-configuration';

export interface SendSuite {
  sandbox: Sandbox;
  server: HipChatTestServer;
  /** Starts the server and configures the default target for it; `configure` overrides option values. */
  setUp(serverOptions?: HipChatServerOptions, configure?: Record<string, string>): Promise<void>;
  send(args: string[], input?: string): Promise<RunResult>;
}

/** Registers the hooks of a send suite in the calling file and returns its state. */
export function useSendSuite(): SendSuite {
  const suite = {
    server: undefined as HipChatTestServer | undefined,
    async setUp(serverOptions: HipChatServerOptions = {}, configure: Record<string, string> = {}) {
      suite.server = await startHipChatServer(serverOptions);
      const tokenFile = join(suite.sandbox.dir, 'token');
      writeFileSync(tokenFile, `${TEST_TOKEN}\n`);
      const options = { enabled: 'true', roomName: 'ops', tokenFile, apiUrl: suite.server.url, ...configure };
      const result = await suite.sandbox.run([
        'notification-hipchat-configure',
        ...Object.entries(options).map(([name, value]) => `--${name}=${value}`),
      ]);
      expect(result.code, result.stderr).toBe(0);
    },
    send: (args: string[], input?: string) => suite.sandbox.run([SEND, ...args], { input }),
  } as SendSuite & { server: HipChatTestServer | undefined };
  beforeEach(() => {
    suite.sandbox = createSandbox();
  });
  afterEach(async () => {
    await suite.server?.close();
    suite.sandbox.remove();
  });
  afterAll(() => {
    expect(capturedOutputs.filter((output) => output.includes(TEST_TOKEN))).toEqual([]);
  });
  return suite as SendSuite;
}
