// A real redis-server (Debian's package) for the tests of the Redis store: started on a free loopback port
// with persistence off, in a folder of its own, and stopped by the test that started it. With `tls`, it speaks
// TLS only (rediss://), with the self-signed test certificate of test/support/tls (localhost, 127.0.0.1).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The certificate a `tls` server presents (PEM): what NODE_EXTRA_CA_CERTS must name to trust it. */
export const REDIS_TLS_CERT = join(import.meta.dirname, 'tls', 'cert.pem');
const REDIS_TLS_KEY = join(import.meta.dirname, 'tls', 'key.pem');

export interface RedisServer {
  port: number;
  /** redis://[:password@]127.0.0.1:port, or rediss://[:password@]localhost:port (the name its certificate holds) */
  url: string;
  /** Stops it; its port is left free. */
  stop(): Promise<void>;
  /** Starts it again on the same port (its data is gone: persistence is off). */
  restart(): Promise<void>;
  /** Stops it and removes its folder. */
  close(): Promise<void>;
}

/** A port that was free a moment ago (nothing listens there: a Redis that is not there). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function startRedis(options: { password?: string; tls?: boolean } = {}): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'notifier-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  const launch = async () => {
    const listen = options.tls
      ? [
          '--port',
          '0',
          '--tls-port',
          String(port),
          '--tls-cert-file',
          REDIS_TLS_CERT,
          '--tls-key-file',
          REDIS_TLS_KEY,
          '--tls-auth-clients',
          'no',
        ]
      : ['--port', String(port)];
    const args = [...listen, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
    if (options.password) args.push('--requirepass', options.password);
    const started = spawn('redis-server', args, { stdio: 'ignore' });
    child = started;
    let exited = false;
    started.once('exit', () => (exited = true));
    // redis-server opens its port once it is ready.
    const deadline = Date.now() + 20_000;
    while (!(await accepts(port))) {
      if (exited || Date.now() > deadline) throw new Error(`redis-server did not start on port ${port}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const stop = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    await exited;
  };
  await launch();
  const credentials = options.password ? `:${encodeURIComponent(options.password)}@` : '';
  return {
    port,
    url: options.tls ? `rediss://${credentials}localhost:${port}` : `redis://${credentials}127.0.0.1:${port}`,
    stop,
    restart: async () => {
      await stop();
      await launch();
    },
    close: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
