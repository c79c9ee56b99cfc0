/** Small PKI pieces for the engine tests, made through the engine's API (no openssl involved). */
import { X509Certificate, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { buildCert, type CertKind } from '../../src/pki/build-cert.ts';
import { generateKey } from '../../src/pki/keys.ts';
import { toPem } from '../../src/tls/x509/pem.ts';

export const DAY = 86_400_000;

export interface Made {
  der: Buffer;
  x509: X509Certificate;
  key: KeyObject;
}

/** A self-signed CA (or, with `signer`, a certificate of `kind` it signs), valid from yesterday for 30 days. */
export function make(cn: string, kind: CertKind = 'ca', signer?: Made): Made {
  const key = generateKey('ec');
  const now = Date.now();
  const der = buildCert({
    kind, cn, subjectKey: key,
    signer: signer ? { cert: signer.x509, key: signer.key } : { cert: undefined, key },
    notBefore: new Date(now - DAY), notAfter: new Date(now + 30 * DAY),
  });
  return { der, x509: new X509Certificate(der), key };
}

export function writePem(path: string, ...ders: Uint8Array[]): void {
  writeFileSync(path, ders.map((d) => toPem('CERTIFICATE', d)).join(''));
}
