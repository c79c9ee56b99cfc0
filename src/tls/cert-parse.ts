/**
 * One parsed certificate: Node's X509Certificate for the crypto, plus the
 * fields it does not expose in OpenSSL form (raw names, SAN entries as
 * OpenSSL's host-name check sees them, basicConstraints, EKU).
 */
import { X509Certificate } from 'node:crypto';
import { children, decodeOid, readTlv, Tag, value } from './der.ts';
import { formatDn, nameHash, parseName, type NameEntry } from './x509-name.ts';

export interface ParsedCert {
  der: Buffer;
  x509: X509Certificate;
  subject: NameEntry[];
  issuer: NameEntry[];
  subjectDn: string;
  issuerDn: string;
  subjectHash: string;
  issuerHash: string;
  /** upper-case hex, as Node prints it */
  serial: string;
  /** serial content octets (for CRL lookups) */
  serialRaw: Buffer;
  notBefore: Date;
  notAfter: Date;
  isCa: boolean;
  /** extendedKeyUsage OIDs, undefined when the extension is absent */
  eku: string[] | undefined;
  /** subjectAltName DNS (raw bytes as text) and IP (inet_ntop form) entries, in certificate order */
  san: Array<{ type: 'dns' | 'ip'; value: string }>;
}

export const EKU = {
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  ocspSigning: '1.3.6.1.5.5.7.3.9',
  any: '2.5.29.37.0',
} as const;

/** glibc inet_ntop for IPv6: lower-case, longest ≥2 zero-group run compressed, v4-mapped tail. */
export function formatIp(b: Uint8Array): string | undefined {
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  if (b.length !== 16) return undefined;
  const w: number[] = [];
  for (let i = 0; i < 16; i += 2) w.push((b[i] << 8) | b[i + 1]);
  let best = -1, bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  if (bestLen < 2) best = -1;
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (best !== -1 && i >= best && i < best + bestLen) {
      if (i === best) out += ':';
      continue;
    }
    if (i !== 0) out += ':';
    if (i === 6 && best === 0 && (bestLen === 6 || (bestLen === 5 && w[5] === 0xffff))) {
      out += `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
      break;
    }
    out += w[i].toString(16);
  }
  if (best !== -1 && best + bestLen === 8) out += ':';
  return out;
}

export function parseCert(input: Buffer | X509Certificate): ParsedCert {
  const x509 = input instanceof X509Certificate ? input : new X509Certificate(input);
  const der = x509.raw;
  const certT = readTlv(der, 0);
  const [tbsT] = children(der, certT);
  const tbs = children(der, tbsT);
  let i = tbs[0].tag === 0xa0 ? 1 : 0;
  const serialT = tbs[i++];
  i++; // signature algorithm
  const issuerT = tbs[i++];
  i++; // validity (Node's dates are used)
  const subjectT = tbs[i++];
  const issuer = parseName(der, issuerT);
  const subject = parseName(der, subjectT);
  let isCa = false;
  let eku: string[] | undefined;
  const san: ParsedCert['san'] = [];
  const extT = tbs.find((t) => t.tag === 0xa3);
  if (extT) {
    const [seq] = children(der, extT);
    for (const ext of children(der, seq)) {
      const parts = children(der, ext);
      const oid = decodeOid(value(der, parts[0]));
      const oct = parts[parts.length - 1];
      const inner = readTlv(der, oct.valueStart, oct.end);
      if (oid === '2.5.29.19') {
        const bc = children(der, inner);
        isCa = bc.length > 0 && bc[0].tag === Tag.BOOLEAN && der[bc[0].valueStart] !== 0;
      } else if (oid === '2.5.29.37') {
        eku = children(der, inner).map((t) => decodeOid(value(der, t)));
      } else if (oid === '2.5.29.17') {
        for (const gn of children(der, inner)) {
          if (gn.tag === 0x82) san.push({ type: 'dns', value: value(der, gn).toString('latin1') });
          else if (gn.tag === 0x87) {
            // only 4- and 16-byte payloads are addresses; others are skipped like syslog-ng does
            const ip = formatIp(value(der, gn));
            if (ip !== undefined) san.push({ type: 'ip', value: ip });
          }
        }
      }
    }
  }
  return {
    der,
    x509,
    subject,
    issuer,
    subjectDn: formatDn(subject),
    issuerDn: formatDn(issuer),
    subjectHash: nameHash(subject),
    issuerHash: nameHash(issuer),
    serial: x509.serialNumber.toUpperCase(),
    serialRaw: Buffer.from(value(der, serialT)),
    notBefore: x509.validFromDate,
    notAfter: x509.validToDate,
    isCa,
    eku,
    san,
  };
}
