// The ceiling for --ndjson: a bare node:http keep-alive loop posting each stdin line, in order, one at a
// time, as notifier does (same body, same headers), with no limiter, retries or checks beyond the status.
import http from 'node:http';
import { createInterface } from 'node:readline';

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const headers = { Authorization: `Bearer ${process.env.HIPCHAT_TOKEN}`, 'Content-Type': 'application/json', Accept: 'application/json' };

function post(body) {
  return new Promise((resolve, reject) => {
    const length = { 'Content-Length': Buffer.byteLength(body) };
    const request = http.request(process.env.URL, { method: 'POST', agent, headers: { ...headers, ...length } }, (response) => {
      response.resume();
      response.on('end', () => (response.statusCode === 204 ? resolve() : reject(new Error(`HTTP ${response.statusCode}`))));
    });
    request.on('error', reject);
    request.end(body);
  });
}

for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  const { message } = JSON.parse(line);
  await post(JSON.stringify({ message, message_format: 'text', color: 'yellow', notify: false }));
}
agent.destroy();
