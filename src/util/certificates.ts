// TLS certificate verification failures (OpenSSL's and Node's codes), in words a user can act on: for HipChat
// and for the Redis store alike. A certificate that cannot be verified is a configuration problem, never retried.

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

/** The code and its words, when the error is a certificate that could not be verified. */
export function certificateProblem(error: unknown): { code: string; problem: string } | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string') return undefined;
  const problem = CERTIFICATE_PROBLEMS[code];
  return problem === undefined ? undefined : { code, problem };
}
