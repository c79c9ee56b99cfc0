/**
 * What a message and a log line may say about a peer certificate: the
 * `.tls.x509_*` name-value pairs and the subject/issuer/validity tags.
 */
import type { X509Certificate } from 'node:crypto';
import type { CertFacts } from './types.ts';
import { parseCert, type ParsedCert } from './x509/cert.ts';
import { fingerprintOf } from './fingerprint.ts';
import { firstText, OID } from './x509/name.ts';

/** X509_NAME_get_text_by_NID copies at most size-1 bytes; never split a UTF-8 sequence. */
export function truncateBytes(s: string, max: number): string {
  const b = Buffer.from(s, 'utf8');
  if (b.length <= max) return s;
  let n = max;
  while (n > 0 && (b[n] & 0xc0) === 0x80) n--;
  return b.subarray(0, n).toString('utf8');
}

export function certFacts(cert: ParsedCert | X509Certificate, matchedFingerprint?: string): CertFacts {
  const c = 'subjectDn' in cert ? cert : parseCert(cert);
  const cn = firstText(c.subject, OID.CN);
  const o = firstText(c.subject, OID.O);
  const ou = firstText(c.subject, OID.OU);
  const f: CertFacts = {
    subject: c.subjectDn,
    issuer: c.issuerDn,
    serial: c.serial,
    validFrom: c.notBefore.toISOString(),
    validTo: c.notAfter.toISOString(),
    fingerprintSha256: fingerprintOf(c.der, 'sha256'),
    fingerprintSha1: fingerprintOf(c.der, 'sha1'),
  };
  if (cn !== undefined) f.cn = truncateBytes(cn, 63);
  if (o !== undefined) f.o = truncateBytes(o, 63);
  if (ou !== undefined) f.ou = truncateBytes(ou, 31);
  if (matchedFingerprint !== undefined) f.matchedFingerprint = matchedFingerprint;
  return f;
}

/**
 * Name-value pairs for received messages. CN/O/OU are present (possibly
 * empty) whenever a client certificate was obtained; x509_fp only when a
 * trusted-keys()/trusted-fingerprints() entry matched.
 */
export function certFactsToValues(f: CertFacts): Array<[string, string]> {
  const out: Array<[string, string]> = [
    ['.tls.x509_cn', f.cn ?? ''],
    ['.tls.x509_o', f.o ?? ''],
    ['.tls.x509_ou', f.ou ?? ''],
  ];
  if (f.matchedFingerprint !== undefined) out.push(['.tls.x509_fp', f.matchedFingerprint]);
  return out;
}
