// A real redis-server (Debian's package) for row 8, started as the tests start theirs (test/support/redis.ts,
// bundled: on a free loopback port, persistence off, in a folder of its own), and stopped at the end of the row
// or by cleanUp().
import net from 'node:net';
import { bundled, onCleanUp, onPath } from './support.mjs';

export function redisMissing() {
  return onPath('redis-server') ? undefined : 'redis-server is not installed (apt-get install redis-server)';
}

/** Starts redis-server; resolves with its redis:// URL and a close() that stops it and removes its folder. */
export async function startRedis() {
  const { startRedis: startTestRedis } = await bundled('test/support/redis.ts');
  const redis = await startTestRedis();
  return { url: redis.url, close: onCleanUp(() => redis.close()) };
}

/** How many keys the Redis at `url` holds (DBSIZE, spoken in RESP on a socket: no client needed). */
export function redisKeys(url) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => socket.write('*1\r\n$6\r\nDBSIZE\r\n'));
    let answer = '';
    socket.setEncoding('latin1');
    socket.setTimeout(5000, () => socket.destroy(new Error('redis: no answer to DBSIZE')));
    socket.on('data', (chunk) => {
      answer += chunk;
      const match = /^:(\d+)\r\n/.exec(answer);
      if (match) {
        socket.end();
        resolve(Number(match[1]));
      } else if (answer.includes('\r\n')) socket.destroy(new Error(`redis: DBSIZE answered ${JSON.stringify(answer.slice(0, 80))}`));
    });
    socket.on('error', reject);
  });
}
