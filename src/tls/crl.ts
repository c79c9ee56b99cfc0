/**
 * Certificate revocation lists from crl-dir(): parsed with the DER reader and
 * checked with node:crypto, because Node's own CRL support would fail every
 * chain whose issuer has no CRL, which syslog-ng tolerates.
 */
import { constants, verify, type KeyObject } from 'node:crypto';
import { children, decodeOid, decodeTime, readTlv, Tag, value, whole } from './der.ts';
import { formatDn, nameHash, parseName, type NameEntry } from './x509-name.ts';

export interface ParsedCrl {
  file: string;
  issuer: NameEntry[];
  issuerDn: string;
  issuerHash: string;
  thisUpdate: Date;
  nextUpdate: Date | undefined;
  /** serial (upper-case hex without leading zero bytes) → reason text */
  revoked: Map<string, string | undefined>;
  tbs: Buffer;
  sigAlg: string;
  sigParams: Buffer | undefined;
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

export function parseCrl(der: Buffer, file: string): ParsedCrl {
  const top = readTlv(der, 0);
  const [tbsT, algT, sigT] = children(der, top);
  const tbs = children(der, tbsT);
  let i = tbs[0].tag === Tag.INTEGER ? 1 : 0;
  i++; // signature algorithm (repeated inside)
  const issuer = parseName(der, tbs[i++]);
  const thisUpdate = decodeTime(der, tbs[i++]);
  let nextUpdate: Date | undefined;
  if (tbs[i] && (tbs[i].tag === Tag.UTCTime || tbs[i].tag === Tag.GeneralizedTime)) nextUpdate = decodeTime(der, tbs[i++]);
  const revoked = new Map<string, string | undefined>();
  if (tbs[i] && tbs[i].tag === Tag.SEQUENCE) {
    for (const entry of children(der, tbs[i])) {
      const parts = children(der, entry);
      let reason: string | undefined;
      const extsT = parts[2];
      if (extsT) {
        for (const ext of children(der, extsT)) {
          const e = children(der, ext);
          if (decodeOid(value(der, e[0])) === '2.5.29.21') {
            const oct = e[e.length - 1];
            const en = readTlv(der, oct.valueStart, oct.end);
            const code = der[en.valueStart];
            reason = `${REASONS[code] ?? 'unknown'} (${code})`;
          }
        }
      }
      revoked.set(serialKey(value(der, parts[0])), reason);
    }
  }
  const alg = children(der, algT);
  const sigBits = value(der, sigT);
  return {
    file,
    issuer,
    issuerDn: formatDn(issuer),
    issuerHash: nameHash(issuer),
    thisUpdate,
    nextUpdate,
    revoked,
    tbs: Buffer.from(whole(der, tbsT)),
    sigAlg: decodeOid(value(der, alg[0])),
    sigParams: alg[1] ? Buffer.from(whole(der, alg[1])) : undefined,
    signature: Buffer.from(sigBits.subarray(1)),
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

const PSS_HASH: Record<string, string> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

/** Signature check of a CRL against its issuer's key (also used for OCSP-like structures). */
export function verifySignedData(tbs: Buffer, sigAlg: string, sigParams: Buffer | undefined, signature: Buffer, key: KeyObject): boolean {
  try {
    if (sigAlg === '1.2.840.113549.1.1.10') {
      // RSASSA-PSS: hash and salt length come from the parameters
      let hash = 'sha1';
      let salt = 20;
      if (sigParams) {
        for (const p of children(sigParams, readTlv(sigParams, 0))) {
          const inner = readTlv(sigParams, p.valueStart, p.end);
          if (p.tag === 0xa0) hash = PSS_HASH[decodeOid(value(sigParams, children(sigParams, inner)[0]))] ?? hash;
          else if (p.tag === 0xa2) salt = value(sigParams, inner).readUIntBE(0, inner.end - inner.valueStart);
        }
      }
      return verify(hash, tbs, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: salt }, signature);
    }
    const hash = SIG_HASH[sigAlg];
    if (hash === undefined) return false;
    return verify(hash, tbs, key, signature);
  } catch {
    return false;
  }
}

export function verifyCrlSignature(crl: ParsedCrl, issuerKey: KeyObject): boolean {
  return verifySignedData(crl.tbs, crl.sigAlg, crl.sigParams, crl.signature, issuerKey);
}
