/** OpenSSL verification error codes (Node's spelling): their texts and the reason each becomes. */
import type { TlsReason } from '../types.ts';

/** X509_verify_cert_error_string texts (OpenSSL 3 spelling). */
const VERIFY_TEXT: Record<string, string> = {
  OK: 'ok',
  UNABLE_TO_GET_ISSUER_CERT: 'unable to get issuer certificate',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unable to get local issuer certificate',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unable to verify the first certificate',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in certificate chain',
  CERT_HAS_EXPIRED: 'certificate has expired',
  CERT_NOT_YET_VALID: 'certificate is not yet valid',
  CERT_SIGNATURE_FAILURE: 'certificate signature failure',
  INVALID_CA: 'invalid CA certificate',
  INVALID_PURPOSE: 'unsuitable certificate purpose',
  UNABLE_TO_GET_CRL: 'unable to get certificate CRL',
  UNABLE_TO_GET_CRL_ISSUER: 'unable to get CRL issuer certificate',
  CRL_SIGNATURE_FAILURE: 'CRL signature failure',
  CRL_NOT_YET_VALID: 'CRL is not yet valid',
  CRL_HAS_EXPIRED: 'CRL has expired',
  CERT_REVOKED: 'certificate revoked',
  CERT_UNTRUSTED: 'certificate not trusted',
  CERT_CHAIN_TOO_LONG: 'certificate chain too long',
  PATH_LENGTH_EXCEEDED: 'path length constraint exceeded',
  CERT_REJECTED: 'certificate rejected',
};

export function verifyText(code: string): string {
  return VERIFY_TEXT[code] ?? code.toLowerCase().replace(/_/g, ' ');
}

const UNKNOWN_ISSUER = new Set([
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN',
]);

/** Two codes describe the same problem (OpenSSL words a missing issuer in several ways). */
export function sameProblem(a: string, b: string): boolean {
  return a === b || (UNKNOWN_ISSUER.has(a) && UNKNOWN_ISSUER.has(b));
}

export function reasonForCode(code: string): TlsReason {
  if (UNKNOWN_ISSUER.has(code) || code === 'CERT_SIGNATURE_FAILURE' || code === 'CERT_UNTRUSTED') return 'unknown_ca';
  switch (code) {
    case 'DEPTH_ZERO_SELF_SIGNED_CERT': return 'self_signed';
    case 'CERT_HAS_EXPIRED': return 'expired';
    case 'CERT_NOT_YET_VALID': return 'not_yet_valid';
    case 'CERT_REVOKED': return 'revoked';
    case 'CRL_HAS_EXPIRED':
    case 'CRL_NOT_YET_VALID': return 'crl_expired';
    case 'INVALID_CA':
    case 'PATH_LENGTH_EXCEEDED': return 'invalid_ca_in_chain';
    case 'INVALID_PURPOSE': return 'bad_purpose';
    default: return 'handshake_failed';
  }
}
