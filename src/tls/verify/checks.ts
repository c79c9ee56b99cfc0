/**
 * The checks syslog-ng adds on top of OpenSSL's verification, one pure
 * function each (tls-session.c tls_session_verify and friends).
 */
import type { ParsedCert } from '../x509/cert.ts';
import { EKU } from '../x509/cert.ts';
import { matchFingerprint, type FingerprintEntry } from '../fingerprint.ts';
import { matchAnyDn } from '../dn-glob.ts';
import { verifyCertificateName, type NameCheck } from '../hostname.ts';
import type { InternalLevel } from '../../core/internal-log.ts';

/** trusted-keys()/trusted-fingerprints(): the listed string equal to the leaf's fingerprint, if any. */
export function fingerprintCheck(leaf: ParsedCert, list: readonly FingerprintEntry[]): string | undefined {
  return matchFingerprint(leaf.der, list);
}

/** trusted-dn(): the leaf subject matches one of the globs. */
export function dnCheck(leaf: ParsedCert, patterns: readonly string[]): boolean {
  return matchAnyDn(patterns, leaf.subjectDn);
}

/** Destination host-name check (SAN, else first CN). */
export function hostnameCheck(leaf: ParsedCert, host: string): NameCheck {
  return verifyCertificateName(leaf, host);
}

/** The first certificate above the leaf that is not a CA (basicConstraints CA:TRUE), as its depth. */
export function nonCaIssuerDepth(chain: readonly ParsedCert[]): number | undefined {
  for (let d = 1; d < chain.length; d++) if (!chain[d].isCa) return d;
  return undefined;
}

/** extended-key-usage-verify(yes): the server's leaf may be used for TLS server authentication. */
export function ekuAllowsServer(leaf: ParsedCert): boolean {
  return !leaf.eku || leaf.eku.includes(EKU.serverAuth) || leaf.eku.includes(EKU.any);
}

export interface Tolerance {
  level: InternalLevel;
  text: string;
}

/**
 * Verification errors syslog-ng accepts, with the line it logs: a level without
 * a CRL, an unsuitable purpose, and validity errors under ignore-validity-period.
 */
export function tolerance(code: string, opts: { ignoreValidity?: boolean }): Tolerance | undefined {
  if (code === 'UNABLE_TO_GET_CRL') return { level: 'notice', text: 'CRL directory is set but no CRLs found' };
  if (code === 'INVALID_PURPOSE') return { level: 'warning', text: 'Certificate valid, but purpose is invalid' };
  if ((code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') && opts.ignoreValidity) {
    return { level: 'notice', text: 'Ignoring not yet valid / expired certificate error due to ssl_options(ignore-validity-period)' };
  }
  return undefined;
}
