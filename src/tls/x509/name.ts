/**
 * X.509 names the way OpenSSL (and so syslog-ng) shows and hashes them. The
 * bytes are decoded by @peculiar/asn1-x509; what stays here is syslog-ng's
 * presentation (tls_x509_format_dn) and OpenSSL's lookup hash for hashed
 * directories, neither of which any library offers.
 */
import { createHash } from 'node:crypto';
import type { Name } from '@peculiar/asn1-x509';
import * as asn1js from 'asn1js';

export interface NameEntry {
  oid: string;
  /** the value as text, decoded per its string type (OpenSSL's per-type byte width) */
  text: string;
  /** a directory-string type: OpenSSL canonicalises it before hashing */
  isString: boolean;
  /** DER of the value as received, for non-string values (hashed as they are); empty for strings */
  der: Uint8Array;
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

const EMPTY = new Uint8Array(0);

/** universal tags OpenSSL canonicalises (ASN1_MASK_CANON) */
const STRING_TAGS: ReadonlySet<number> = new Set([12, 30, 28, 19, 20, 22, 26]);

function latin1(b: Uint8Array): string {
  return Buffer.from(b).toString('latin1');
}

/** A value the schema left undecoded (VisibleString, NumericString, …): its tag and content bytes. */
function fromAny(der: ArrayBuffer): { text: string; isString: boolean; der: Uint8Array } {
  const bytes = new Uint8Array(der);
  const r = asn1js.fromBER(bytes);
  const block = r.result as unknown as { idBlock: { tagClass: number; tagNumber: number }; valueBlock: { valueHexView?: Uint8Array } };
  const universal = r.offset !== -1 && block.idBlock.tagClass === 1;
  const content = block.valueBlock?.valueHexView ?? new Uint8Array();
  return { text: latin1(content), isString: universal && STRING_TAGS.has(block.idBlock.tagNumber), der: bytes };
}

/** The entries of a decoded Name, in encoded order (least specific first). */
export function nameEntries(name: Name): NameEntry[] {
  const out: NameEntry[] = [];
  name.forEach((rdn, set) => {
    for (const atv of rdn) {
      const v = atv.value;
      let e: Omit<NameEntry, 'oid' | 'set'>;
      if (v.anyValue) e = fromAny(v.anyValue);
      else {
        const text = v.utf8String ?? v.printableString ?? v.teletexString ?? v.bmpString ?? v.universalString ?? v.ia5String ?? '';
        // string values are re-encoded canonically for hashing: their original bytes are not needed
        e = { text, isString: true, der: EMPTY };
      }
      out.push({ oid: atv.type, set, ...e });
    }
  });
  return out;
}

/** First value of an attribute (X509_NAME_get_text_by_NID picks the first one). */
export function firstText(entries: readonly NameEntry[], oid: string): string | undefined {
  return entries.find((x) => x.oid === oid)?.text;
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
export function formatDn(entries: readonly NameEntry[]): string {
  let out = '';
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i];
    if (i !== entries.length - 1) out += entries[i + 1].set === e.set ? ' + ' : ', ';
    out += (SHORT_NAMES[e.oid] ?? e.oid) + '=' + escape2253(e.text);
  }
  return out;
}

const isSpace = (c: string) => c === ' ' || (c >= '\t' && c <= '\r');

/** OpenSSL's canonical text: trimmed, inner whitespace runs → one space, ASCII lower-cased. */
function canonText(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isSpace(s[a])) a++;
  while (b > a && isSpace(s[b - 1])) b--;
  let out = '';
  for (let i = a; i < b; ) {
    const c = s[i];
    if (isSpace(c)) {
      out += ' ';
      while (i < b && isSpace(s[i])) i++;
    } else {
      out += c >= 'A' && c <= 'Z' ? c.toLowerCase() : c;
      i++;
    }
  }
  return out;
}

function derOrder(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  const c = Buffer.compare(a.subarray(0, n), b.subarray(0, n));
  return c !== 0 ? c : a.length - b.length;
}

const canonCache = new WeakMap<readonly NameEntry[], Buffer>();

/** The canonical encoding OpenSSL hashes: each RDN SET re-encoded, without the outer SEQUENCE. */
export function canonicalName(entries: readonly NameEntry[]): Buffer {
  let c = canonCache.get(entries);
  if (!c) canonCache.set(entries, (c = encodeCanonical(entries)));
  return c;
}

function encodeCanonical(entries: readonly NameEntry[]): Buffer {
  const sets: Uint8Array[][] = [];
  for (const e of entries) {
    const value = e.isString ? new asn1js.Utf8String({ value: canonText(e.text) }) : asn1js.fromBER(e.der).result;
    const atv = new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: e.oid }), value] });
    (sets[e.set] ??= []).push(new Uint8Array(atv.toBER()));
  }
  const out: Buffer[] = [];
  for (const s of sets) {
    if (!s) continue;
    s.sort(derOrder);
    const set = new asn1js.Set({ value: s.map((b) => asn1js.fromBER(b).result) });
    out.push(Buffer.from(set.toBER()));
  }
  return Buffer.concat(out);
}

/** X509_NAME_hash_ex: 8 lower-case hex digits, as `openssl x509 -hash` prints. */
export function nameHash(entries: readonly NameEntry[]): string {
  const md = createHash('sha1').update(canonicalName(entries)).digest();
  return md.readUInt32LE(0).toString(16).padStart(8, '0');
}

/** Two names are the same for issuer lookups when their canonical forms are equal. */
export function sameName(a: readonly NameEntry[], b: readonly NameEntry[]): boolean {
  return canonicalName(a).equals(canonicalName(b));
}
