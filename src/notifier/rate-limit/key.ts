// What the shared limits of one token at one HipChat are filed under, in the state folder and in Redis.
import { createHash } from 'node:crypto';

/** The same HipChat however its URL is spelt: case, default port, trailing slash, any name of this machine's loopback. */
export function canonicalApiUrl(apiUrl: string): string {
  const url = new URL(apiUrl);
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const loopback = host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return `${url.protocol}//${loopback ? 'loopback' : host}:${port}${url.pathname.replace(/\/+$/, '')}`;
}

/** Never the token itself, not even in a file name or a Redis key: only its hash goes into the key. */
export function limitKey(apiUrl: string, token: string): string {
  const tokenHash = createHash('sha256').update(token).digest('hex');
  return createHash('sha256')
    .update(`${canonicalApiUrl(apiUrl)}\n${tokenHash}`)
    .digest('hex');
}
