// Below the floor: the same POST as http-post.mjs written by hand on a node:net socket (no HTTP parser, no
// agent); reads the status line only. Exit 0 only on HipChat's 204.
import net from 'node:net';

const url = new URL(process.env.URL);
const body = Buffer.from(process.env.BODY);
const head =
  `POST ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${process.env.HIPCHAT_TOKEN}\r\n` +
  `Content-Type: application/json\r\nAccept: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
const socket = net.connect(Number(url.port), url.hostname, () => socket.write(Buffer.concat([Buffer.from(head), body])));
let answer = '';
socket.setEncoding('latin1');
socket.on('data', (chunk) => {
  answer += chunk;
  if (answer.includes('\r\n')) socket.destroy();
});
socket.on('close', () => {
  const status = /^HTTP\/1\.1 (\d{3}) /.exec(answer)?.[1];
  if (status !== '204') {
    console.error(`answer: ${JSON.stringify(answer.slice(0, 80))}`);
    process.exitCode = 1;
  }
});
socket.on('error', (error) => {
  console.error(error.message);
  process.exitCode = 1;
});
