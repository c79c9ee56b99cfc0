/**
 * One certificate: Node's X509Certificate for crypto, dates, fingerprints and
 * the CA flag; @peculiar/asn1-x509 for what Node does not expose in OpenSSL's
 * form (names as entries for the DN text and lookup hash, SAN entries as the
 * host-name check sees them, EKU presence, the serial's bytes for CRLs).
 * Everything here may come from a peer: parsing either succeeds or throws.
 */
import { X509Certificate } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  Certificate, ExtendedKeyUsage, SubjectAlternativeName, id_ce_extKeyUsage, id_ce_subjectAltName,
} from '@peculiar/asn1-x509';
import { formatDn, nameEntries, nameHash, type NameEntry } from './name.ts';
import { formatIp, ipBytes } from './ip.ts';

export interface ParsedCert {
  der: Buffer;
  x509: X509Certificate;
  subject: NameEntry[];
  issuer: NameEntry[];
  subjectDn: string;
  issuerDn: string;
  readonly subjectHash: string;
  readonly issuerHash: string;
  /** upper-case hex, as Node prints it */
  serial: string;
  /** serial content octets (for CRL lookups) */
  serialRaw: Buffer;
  notBefore: Date;
  notAfter: Date;
  /** basicConstraints CA:TRUE (what OpenSSL's EXFLAG_CA means for syslog-ng's chain check) */
  isCa: boolean;
  /** extendedKeyUsage OIDs, undefined when the extension is absent */
  eku: string[] | undefined;
  /** subjectAltName DNS (raw text) and IP (inet_ntop form) entries, in certificate order */
  san: Array<{ type: 'dns' | 'ip'; value: string }>;
}

export const EKU = {
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  any: '2.5.29.37.0',
} as const;

/** A certificate or CRL that cannot be decoded; the only error parsing peer bytes may throw. */
export class X509ParseError extends Error {
  constructor(what: string, cause: unknown) {
    super(`${what} cannot be decoded: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'X509ParseError';
  }
}

export function parseCert(input: Uint8Array | X509Certificate): ParsedCert {
  try {
    return decodeCert(input);
  } catch (e) {
    throw new X509ParseError('certificate', e);
  }
}

function decodeCert(input: Uint8Array | X509Certificate): ParsedCert {
  const x509 = input instanceof X509Certificate ? input : new X509Certificate(input);
  const der = x509.raw;
  // OpenSSL accepts some validity encodings JavaScript dates cannot represent
  if (Number.isNaN(x509.validFromDate.getTime()) || Number.isNaN(x509.validToDate.getTime())) throw new Error('validity dates out of range');
  const tbs = AsnConvert.parse(der, Certificate).tbsCertificate;
  const subject = nameEntries(tbs.subject);
  const issuer = nameEntries(tbs.issuer);
  let eku: string[] | undefined;
  const san: ParsedCert['san'] = [];
  for (const ext of tbs.extensions ?? []) {
    const body = ext.extnValue.buffer;
    if (ext.extnID === id_ce_extKeyUsage) eku = [...AsnConvert.parse(body, ExtendedKeyUsage)];
    else if (ext.extnID === id_ce_subjectAltName) {
      for (const gn of AsnConvert.parse(body, SubjectAlternativeName)) {
        if (gn.dNSName !== undefined) san.push({ type: 'dns', value: gn.dNSName });
        else if (gn.iPAddress !== undefined) {
          // only 4- and 16-byte payloads are addresses; others are skipped like syslog-ng does
          const b = ipBytes(gn.iPAddress);
          if (b) san.push({ type: 'ip', value: formatIp(b)! });
        }
      }
    }
  }
  let subjectHash: string | undefined;
  let issuerHash: string | undefined;
  return {
    der,
    x509,
    subject,
    issuer,
    subjectDn: formatDn(subject),
    issuerDn: formatDn(issuer),
    // the lookup hashes cost more than the rest of the parse and most handshakes never need them
    get subjectHash() {
      return (subjectHash ??= nameHash(subject));
    },
    get issuerHash() {
      return (issuerHash ??= nameHash(issuer));
    },
    serial: x509.serialNumber.toUpperCase(),
    serialRaw: Buffer.from(tbs.serialNumber),
    notBefore: x509.validFromDate,
    notAfter: x509.validToDate,
    isCa: x509.ca,
    eku,
    san,
  };
}

/**
 * parseCert for certificates peers present: the same few certificates come
 * back on every reconnection, so recent parses are kept (bounded, least
 * recently used dropped first).
 */
export class CertCache {
  readonly #max: number;
  readonly #map = new Map<string, ParsedCert>();
  constructor(max = 256) {
    this.#max = max;
  }
  parse(der: Buffer): ParsedCert {
    const key = der.toString('base64');
    const hit = this.#map.get(key);
    if (hit) {
      this.#map.delete(key);
      this.#map.set(key, hit);
      return hit;
    }
    const c = parseCert(der);
    this.#map.set(key, c);
    if (this.#map.size > this.#max) this.#map.delete(this.#map.keys().next().value!);
    return c;
  }
}
