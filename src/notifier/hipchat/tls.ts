// Trusting a HipChat Server's certificate: an internal CA from a file (node:tls is loaded only then), and
// words for what failed.
import { readFileSync } from 'node:fs';
import type tls from 'node:tls';
import { describeErrno } from '../../util/errno.js';
import { EndpointError } from '../errors.js';

// OpenSSL/Node verification failures, in words a user can act on.
export const CERTIFICATE_PROBLEMS: Record<string, string> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'it is not signed by a trusted CA',
  UNABLE_TO_GET_ISSUER_CERT: 'its issuer is not a trusted CA',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'its issuer is not a trusted CA',
  SELF_SIGNED_CERT_IN_CHAIN: 'its chain ends in an untrusted self-signed CA',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'it is self-signed',
  CERT_HAS_EXPIRED: 'it has expired',
  CERT_NOT_YET_VALID: 'it is not valid yet',
  CERT_UNTRUSTED: 'it is not trusted',
  CERT_REVOKED: 'it has been revoked',
  CERT_REJECTED: 'it was rejected',
  CERT_SIGNATURE_FAILURE: 'its signature is invalid',
  INVALID_CA: 'its CA certificate is invalid',
  ERR_TLS_CERT_ALTNAME_INVALID: 'it does not name this host',
};

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
