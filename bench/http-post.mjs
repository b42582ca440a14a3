// The one-shot floor: a Node script doing one node:http POST of $BODY to $URL (no keep-alive, as one process
// sends one notification), with notifier's headers; exit 0 only on HipChat's 204.
import http from 'node:http';

const body = process.env.BODY;
const headers = {
  Authorization: `Bearer ${process.env.HIPCHAT_TOKEN}`,
  'Content-Type': 'application/json',
  Accept: 'application/json',
  'Content-Length': Buffer.byteLength(body),
};
const request = http.request(process.env.URL, { method: 'POST', headers }, (response) => {
  response.resume();
  response.on('end', () => {
    if (response.statusCode !== 204) {
      console.error(`HTTP ${response.statusCode}`);
      process.exitCode = 1;
    }
  });
});
request.on('error', (error) => {
  console.error(error.message);
  process.exitCode = 1;
});
request.end(body);
