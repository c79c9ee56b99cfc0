/**
 * CRLs from crl-dir(), decoded by @peculiar/asn1-x509. OpenSSL (through Node's
 * `crl` option) does the revocation check; these facts serve the cases where
 * syslog-ng tolerates one CRL error and must not hide another (verify/), and
 * the hashed-directory naming rules.
 */
import { verify, type KeyObject } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { CertificateList, CRLReason, id_ce_cRLReasons } from '@peculiar/asn1-x509';
import { formatDn, nameEntries, nameHash, type NameEntry } from './name.ts';
import { toPem } from './pem.ts';
import { X509ParseError } from './cert.ts';

export interface ParsedCrl {
  file: string;
  der: Buffer;
  pem: string;
  issuer: NameEntry[];
  issuerDn: string;
  issuerHash: string;
  thisUpdate: Date;
  nextUpdate: Date | undefined;
  /** serial (upper-case hex without leading zero bytes) → reason text */
  revoked: Map<string, string | undefined>;
  tbs: Buffer;
  sigAlg: string;
  signature: Buffer;
}

const REASONS = [
  'Unspecified', 'Key Compromise', 'CA Compromise', 'Affiliation Changed', 'Superseded',
  'Cessation Of Operation', 'Certificate Hold', '', 'Remove From CRL', 'Privilege Withdrawn', 'AA Compromise',
];

export function serialKey(raw: Uint8Array): string {
  let i = 0;
  while (i < raw.length - 1 && raw[i] === 0) i++;
  return Buffer.from(raw.subarray(i)).toString('hex').toUpperCase();
}

export function parseCrl(der: Uint8Array, file: string): ParsedCrl {
  try {
    return decodeCrl(der, file);
  } catch (e) {
    throw new X509ParseError('CRL', e);
  }
}

function decodeCrl(der: Uint8Array, file: string): ParsedCrl {
  const list = AsnConvert.parse(der, CertificateList);
  const tbs = list.tbsCertList;
  const issuer = nameEntries(tbs.issuer);
  const revoked = new Map<string, string | undefined>();
  for (const r of tbs.revokedCertificates ?? []) {
    let reason: string | undefined;
    const ext = r.crlEntryExtensions?.find((e) => e.extnID === id_ce_cRLReasons);
    if (ext) {
      const code = AsnConvert.parse(ext.extnValue.buffer, CRLReason).reason;
      reason = `${REASONS[code] ?? 'unknown'} (${code})`;
    }
    revoked.set(serialKey(new Uint8Array(r.userCertificate)), reason);
  }
  const thisUpdate = tbs.thisUpdate.getTime();
  const nextUpdate = tbs.nextUpdate?.getTime();
  if (Number.isNaN(thisUpdate.getTime()) || (nextUpdate && Number.isNaN(nextUpdate.getTime()))) throw new Error('update times out of range');
  const body = Buffer.from(der);
  return {
    file,
    der: body,
    pem: toPem('X509 CRL', body),
    issuer,
    issuerDn: formatDn(issuer),
    issuerHash: nameHash(issuer),
    thisUpdate,
    nextUpdate,
    revoked,
    tbs: Buffer.from(list.tbsCertListRaw ?? AsnConvert.serialize(tbs)),
    sigAlg: list.signatureAlgorithm.algorithm,
    signature: Buffer.from(list.signature),
  };
}

const SIG_HASH: Record<string, string | null> = {
  '1.2.840.113549.1.1.5': 'sha1',
  '1.2.840.113549.1.1.14': 'sha224',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.1': 'sha1',
  '1.2.840.10045.4.3.1': 'sha224',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.3.101.112': null,
  '1.3.101.113': null,
};

/** The CRL's signature checks out against `key`; an algorithm we cannot check counts as a failure. */
export function crlSignedBy(crl: ParsedCrl, key: KeyObject): boolean {
  const hash = SIG_HASH[crl.sigAlg];
  if (hash === undefined) return false;
  try {
    return verify(hash, crl.tbs, key, crl.signature);
  } catch {
    return false;
  }
}
