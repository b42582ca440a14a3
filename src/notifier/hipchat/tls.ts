// Trusting a HipChat Server's certificate: an internal CA from a file (node:tls is loaded only then); words for
// what failed are in util/certificates.ts.
import { readFileSync } from 'node:fs';
import type tls from 'node:tls';
import { describeErrno } from '../../util/errno.js';
import { EndpointError } from '../errors.js';

/**
 * Node's default trust plus the CA file. A `ca` option replaces the defaults, so they are listed
 * again, NODE_EXTRA_CA_CERTS included (Node reads it at start-up into a store `ca` bypasses).
 */
export async function trustingContext(caFile: string): Promise<tls.SecureContext> {
  const { createSecureContext, rootCertificates } = await import('node:tls');
  const ca: (string | Buffer)[] = [...rootCertificates];
  const extra = process.env.NODE_EXTRA_CA_CERTS;
  if (extra) {
    try {
      ca.push(readFileSync(extra));
    } catch {
      // Node already warned about this file at start-up.
    }
  }
  let pem: string;
  try {
    pem = readFileSync(caFile, 'utf8');
  } catch (error) {
    throw new EndpointError(`Cannot read the CA file ${caFile}: ${describeErrno(error)}`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new EndpointError(`The CA file ${caFile} holds no PEM certificate`);
  }
  ca.push(pem);
  return createSecureContext({ ca });
}
