/**
 * X.509 distinguished names the way OpenSSL (and so syslog-ng) sees them:
 * the subject-hash used for hashed directories (`openssl x509 -hash`), the
 * printed DN that trusted-dn() globs are matched against, and attribute text.
 */
import { createHash } from 'node:crypto';
import { children, decodeOid, encodeTlv, readTlv, Tag, value, whole, type Tlv } from './der.ts';

export interface NameEntry {
  oid: string;
  /** universal tag of the value (UTF8String, PrintableString, …) */
  tag: number;
  /** raw content octets of the value */
  raw: Buffer;
  /** full DER of the OID element */
  oidDer: Buffer;
  /** index of the RDN (SET) the entry belongs to */
  set: number;
}

export const SHORT_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'street',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'title',
  '2.5.4.13': 'description',
  '2.5.4.15': 'businessCategory',
  '2.5.4.17': 'postalCode',
  '2.5.4.41': 'name',
  '2.5.4.42': 'GN',
  '2.5.4.43': 'initials',
  '2.5.4.44': 'generationQualifier',
  '2.5.4.46': 'dnQualifier',
  '2.5.4.65': 'pseudonym',
  '2.5.4.97': 'organizationIdentifier',
  '0.9.2342.19200300.100.1.1': 'UID',
  '0.9.2342.19200300.100.1.25': 'DC',
  '1.2.840.113549.1.9.1': 'emailAddress',
  '1.3.6.1.4.1.311.60.2.1.1': 'jurisdictionL',
  '1.3.6.1.4.1.311.60.2.1.2': 'jurisdictionST',
  '1.3.6.1.4.1.311.60.2.1.3': 'jurisdictionC',
};

export const OID = {
  CN: '2.5.4.3',
  O: '2.5.4.10',
  OU: '2.5.4.11',
} as const;

/** Parses a DER Name (SEQUENCE OF SET OF AttributeTypeAndValue). */
export function parseName(der: Uint8Array, t: Tlv = readTlv(der, 0)): NameEntry[] {
  const out: NameEntry[] = [];
  const sets = children(der, t);
  for (let i = 0; i < sets.length; i++) {
    for (const atv of children(der, sets[i])) {
      const [oidT, valT] = children(der, atv);
      if (!oidT || !valT || oidT.tag !== Tag.OID) continue;
      out.push({ oid: decodeOid(value(der, oidT)), tag: valT.tag, raw: value(der, valT), oidDer: whole(der, oidT), set: i });
    }
  }
  return out;
}

/** The value as a JS string, with OpenSSL's per-type byte width. */
export function entryText(e: NameEntry): string {
  switch (e.tag) {
    case Tag.UTF8String:
      return e.raw.toString('utf8');
    case Tag.BMPString: {
      let s = '';
      for (let i = 0; i + 1 < e.raw.length; i += 2) s += String.fromCharCode((e.raw[i] << 8) | e.raw[i + 1]);
      return s;
    }
    case Tag.UniversalString: {
      let s = '';
      for (let i = 0; i + 3 < e.raw.length; i += 4) s += String.fromCodePoint(e.raw.readUInt32BE(i));
      return s;
    }
    default:
      return e.raw.toString('latin1');
  }
}

/** First value of an attribute (X509_NAME_get_text_by_NID picks the first one). */
export function firstText(entries: NameEntry[], oid: string): string | undefined {
  const e = entries.find((x) => x.oid === oid);
  return e ? entryText(e) : undefined;
}

function escape2253(s: string): string {
  let out = '';
  const chars = Array.from(s);
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    if (',+"\\<>;'.includes(c) || (i === 0 && (c === '#' || c === ' ')) || (i === chars.length - 1 && c === ' ')) out += '\\' + c;
    else out += c;
  }
  return out;
}

/**
 * The DN string syslog-ng matches trusted-dn() against and logs as
 * subject/issuer: most specific RDN first, `, ` between RDNs, ` + ` inside
 * a multi-valued RDN, short names, RFC 2253 escaping, UTF-8.
 */
export function formatDn(entries: NameEntry[]): string {
  let out = '';
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i];
    if (i !== entries.length - 1) out += entries[i + 1].set === e.set ? ' + ' : ', ';
    out += (SHORT_NAMES[e.oid] ?? e.oid) + '=' + escape2253(entryText(e));
  }
  return out;
}

const CANON_TAGS: ReadonlySet<number> = new Set([
  Tag.UTF8String, Tag.BMPString, Tag.UniversalString, Tag.PrintableString, Tag.T61String, Tag.IA5String, Tag.VisibleString,
]);

function isSpace(b: number): boolean {
  return b === 0x20 || (b >= 0x09 && b <= 0x0d);
}

/** OpenSSL's canonical value: UTF-8, trimmed, inner whitespace runs → one space, ASCII lower-cased. */
function canonValue(e: NameEntry): Buffer {
  if (!CANON_TAGS.has(e.tag)) return encodeTlv(e.tag, e.raw);
  const u = Buffer.from(entryText(e), 'utf8');
  let a = 0;
  let b = u.length;
  while (a < b && isSpace(u[a])) a++;
  while (b > a && isSpace(u[b - 1])) b--;
  const out: number[] = [];
  for (let i = a; i < b; ) {
    const c = u[i];
    if (c >= 0x80) {
      out.push(c);
      i++;
    } else if (isSpace(c)) {
      out.push(0x20);
      while (i < b && isSpace(u[i])) i++;
    } else {
      out.push(c >= 0x41 && c <= 0x5a ? c + 32 : c);
      i++;
    }
  }
  return encodeTlv(Tag.UTF8String, Buffer.from(out));
}

function derSetOrder(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  const c = Buffer.compare(a.subarray(0, n), b.subarray(0, n));
  return c !== 0 ? c : a.length - b.length;
}

/** The canonical encoding OpenSSL hashes: the RDN SETs, re-encoded, without the outer SEQUENCE. */
export function canonicalName(entries: NameEntry[]): Buffer {
  const sets: Buffer[][] = [];
  for (const e of entries) {
    (sets[e.set] ??= []).push(encodeTlv(Tag.SEQUENCE, Buffer.concat([e.oidDer, canonValue(e)])));
  }
  return Buffer.concat(sets.filter(Boolean).map((s) => encodeTlv(Tag.SET, Buffer.concat(s.sort(derSetOrder)))));
}

/** X509_NAME_hash_ex: 8 lower-case hex digits, as `openssl x509 -hash` prints. */
export function nameHash(entries: NameEntry[]): string {
  const md = createHash('sha1').update(canonicalName(entries)).digest();
  return md.readUInt32LE(0).toString(16).padStart(8, '0');
}

/** Two names are the same for chain building when their canonical forms are equal. */
export function sameName(a: NameEntry[], b: NameEntry[]): boolean {
  return canonicalName(a).equals(canonicalName(b));
}
