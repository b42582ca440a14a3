// send-hipchat-notification and test-hipchat-notifier-configuration end to end: proxies, TLS trust, and the test notification.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { startProxy } from '../../support/proxy.js';
import { SEND, TEST, useSendSuite } from '../../support/send-suite.js';

const suite = useSendSuite();
const TLS_DIR = new URL('../../support/tls/', import.meta.url);

describe('network paths', () => {
  it('goes through $HTTP_PROXY for an http HipChat', async () => {
    await suite.setUp();
    const proxy = await startProxy();
    try {
      const result = await suite.sandbox.run([SEND, '--message=via proxy'], { env: { HTTP_PROXY: proxy.url } });
      expect(result.code, result.stderr).toBe(0);
      expect(proxy.requests.map((request) => request.method)).toEqual(['POST']);
      expect(suite.server.delivered()).toHaveLength(1);
    } finally {
      await proxy.close();
    }
  });

  it('trusts a self-signed HipChat Server with --caFile, through an HTTPS_PROXY tunnel too', async () => {
    const tls = { key: readFileSync(new URL('key.pem', TLS_DIR)), cert: readFileSync(new URL('cert.pem', TLS_DIR)) };
    await suite.setUp({ tls }, { caFile: new URL('cert.pem', TLS_DIR).pathname });
    expect(suite.server.url.startsWith('https://')).toBe(true);
    expect((await suite.send(['--message=tls'])).code).toBe(0);
    const proxy = await startProxy();
    try {
      const result = await suite.sandbox.run([SEND, '--message=tunnelled'], { env: { HTTPS_PROXY: proxy.url } });
      expect(result.code, result.stderr).toBe(0);
      expect(proxy.requests.map((request) => request.method)).toEqual(['CONNECT']);
    } finally {
      await proxy.close();
    }
    expect(suite.server.delivered()).toHaveLength(2);
  });

  it('fails without retrying on a certificate it cannot verify, suggesting --caFile', async () => {
    const tls = { key: readFileSync(new URL('key.pem', TLS_DIR)), cert: readFileSync(new URL('cert.pem', TLS_DIR)) };
    await suite.setUp({ tls });
    const result = await suite.send(['--message=tls']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--caFile');
    expect(result.stderr.split('\n')).toHaveLength(3);
    expect(suite.server.requests).toHaveLength(0);
  });
});

describe('test-hipchat-notifier-configuration', () => {
  it('sends the test notification even when the notifier is disabled', async () => {
    await suite.setUp({}, { enabled: 'false' });
    const result = await suite.sandbox.run([TEST]);
    // HipchatNotificationRunnable.java L82: logger.log(Level.FINE, "Message successfully sent"); (TestHipchatNotifier reports it)
    expect(result).toMatchObject({ code: 0, stdout: `Message successfully sent\nCommand ${TEST} executed successfully.\n` });
    // TestNotifier.java L61 SUBJECT = "Payara Notifier Test"; TestHipchatNotifier.java L81 MESSAGE = "Hipchat notifier test";
    // Message.java L54: subject + ". (" + "host:" + … + ", server:" + … + ", domain:" + … + ",instance:" + … + ")"
    expect(suite.server.delivered()[0]!.body).toMatchObject({
      message: `Payara Notifier Test. (host:${hostname()}, server:server, domain:notifier,instance:server)\nHipchat notifier test`,
    });
  });

  it("uses --roomName instead of the stored room, and fails with HipChat's reason", async () => {
    await suite.setUp({ rooms: ['ops'] });
    const result = await suite.sandbox.run([TEST, '--roomName=missing']);
    expect(result.code).toBe(1);
    // HipchatNotificationRunnable.java L79-80: "Error occurred while connecting Hipchat. Check your room name and token. HTTP response code: "
    //   + connection.getResponseCode()   (notifier adds HipChat's own reason)
    expect(result.stderr).toBe(
      `Error occurred while connecting Hipchat. Check your room name and token. HTTP response code: 404 (Room missing not found)\nCommand ${TEST} failed.\n`,
    );
  });

  it('exits 75 when HipChat stays unavailable', async () => {
    await suite.setUp();
    suite.server.injectFaults(...Array.from({ length: 2 }, () => ({ kind: 'status' as const, status: 503 })));
    const result = await suite.sandbox.run([TEST, '--retries=1']);
    expect(result.code).toBe(75);
  });
});
