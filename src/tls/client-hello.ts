/**
 * What a TLS client offered, read from the first bytes of a connection
 * (RFC 8446 §4.1.2, §4.2.1; RFC 5246 §7.4.1.2). Used to recognise a TLS
 * client on a plain-TCP port and to say which versions a client offered when
 * no version was common. The bytes come from an unauthenticated peer: every
 * read is bounds-checked, the work is bounded by the input length, and
 * nothing here throws.
 */

const RECORD_HANDSHAKE = 0x16;
const HANDSHAKE_CLIENT_HELLO = 1;
const EXT_SUPPORTED_VERSIONS = 43;
const EXT_ALPN = 16;
/** RFC 8446 §5.1: a plaintext record carries at most 2^14 bytes */
const MAX_RECORD = 16384;
/** the most we look at, over several records if a hello is fragmented */
const MAX_HELLO = 65536;

export interface ClientHelloInfo {
  /** legacy_version (0x0303 for every TLS 1.2/1.3 client) */
  legacyVersion: number;
  /** offered versions, as the client listed them (supported_versions) or just legacy_version; GREASE removed */
  versions: number[];
  /** true when `versions` came from the supported_versions extension */
  fromExtension: boolean;
  /** false when the bytes ended before the whole hello was seen (`versions` may then be legacy only) */
  complete: boolean;
  /** ALPN protocol names offered (RFC 7301), when the extension was seen */
  alpn?: string[];
}

/** 0x0301 → "TLS 1.0"; unknown values as hex */
export function versionName(v: number): string {
  switch (v) {
    case 0x0300:
      return 'SSL 3.0';
    case 0x0301:
      return 'TLS 1.0';
    case 0x0302:
      return 'TLS 1.1';
    case 0x0303:
      return 'TLS 1.2';
    case 0x0304:
      return 'TLS 1.3';
    default:
      return `0x${v.toString(16).padStart(4, '0')}`;
  }
}

/** RFC 8701 GREASE values (0x?a?a) are noise a client adds on purpose */
function isGrease(v: number): boolean {
  return (v & 0x0f0f) === 0x0a0a && v >> 8 === (v & 0xff);
}

/**
 * Whether `first` starts like a TLS ClientHello record: handshake record type,
 * version 3.0–3.4, a length a real record can have and, when present, the
 * ClientHello handshake type. A syslog line never starts with byte 0x16.
 */
export function looksLikeClientHello(first: Buffer): boolean {
  if (first.length < 3) return first.length > 0 && first[0] === RECORD_HANDSHAKE && (first.length < 2 || first[1] === 0x03);
  if (first[0] !== RECORD_HANDSHAKE || first[1] !== 0x03 || first[2] > 0x04) return false;
  if (first.length >= 5) {
    const len = first.readUInt16BE(3);
    if (len < 4 || len > MAX_RECORD + 2048) return false;
  }
  return first.length < 6 || first[5] === HANDSHAKE_CLIENT_HELLO;
}

/** The handshake bytes carried by the consecutive handshake records at the start of `buf`. */
function handshakeBytes(buf: Buffer): Buffer {
  const parts: Buffer[] = [];
  let off = 0;
  let total = 0;
  // each pass moves past one record header at least, so this ends
  while (off + 5 <= buf.length && buf[off] === RECORD_HANDSHAKE && total < MAX_HELLO) {
    const end = Math.min(off + 5 + buf.readUInt16BE(off + 3), buf.length);
    parts.push(buf.subarray(off + 5, end));
    total += end - off - 5;
    off = end;
  }
  return Buffer.concat(parts);
}

/**
 * Parses the ClientHello at the start of a connection's bytes (possibly
 * partial, possibly several records). undefined when it is not one or too
 * little arrived to read even legacy_version.
 */
export function parseClientHello(buf: Buffer): ClientHelloInfo | undefined {
  try {
    if (!looksLikeClientHello(buf) || buf.length < 5) return undefined;
    const h = handshakeBytes(buf.subarray(0, MAX_HELLO + 4096));
    if (h.length < 6 || h[0] !== HANDSHAKE_CLIENT_HELLO) return undefined;
    const bodyLen = (h[1] << 16) | (h[2] << 8) | h[3];
    const body = h.subarray(4, 4 + bodyLen);
    const complete = body.length === bodyLen;
    const legacyVersion = body.readUInt16BE(0);
    const info: ClientHelloInfo = { legacyVersion, versions: [legacyVersion], fromExtension: false, complete };
    // random (32), then session_id, cipher_suites, compression_methods, extensions
    let p = 2 + 32;
    if (p + 1 > body.length) return { ...info, complete: false };
    p += 1 + body[p];
    if (p + 2 > body.length) return { ...info, complete: false };
    p += 2 + body.readUInt16BE(p);
    if (p + 1 > body.length) return { ...info, complete: false };
    p += 1 + body[p];
    if (p + 2 > body.length) return p >= body.length && complete ? info : { ...info, complete: false };
    const extEnd = Math.min(p + 2 + body.readUInt16BE(p), body.length);
    p += 2;
    // each pass consumes at least 4 bytes, so this ends
    while (p + 4 <= extEnd) {
      const type = body.readUInt16BE(p);
      const len = body.readUInt16BE(p + 2);
      // a cut-off extension is not read: half a version list would misstate the offer
      if (p + 4 + len > extEnd) break;
      const data = body.subarray(p + 4, p + 4 + len);
      p += 4 + len;
      if (type === EXT_ALPN) {
        info.alpn = alpnNames(data);
        continue;
      }
      if (type !== EXT_SUPPORTED_VERSIONS || data.length < 1) continue;
      const listLen = Math.min(data[0], data.length - 1);
      const versions: number[] = [];
      for (let i = 1; i + 1 <= listLen; i += 2) {
        const v = data.readUInt16BE(i);
        if (!isGrease(v)) versions.push(v);
      }
      if (versions.length > 0) {
        info.versions = versions;
        info.fromExtension = true;
      }
    }
    return info;
  } catch {
    return undefined;
  }
}

/** RFC 7301 §3.1: a 2-byte list length, then names each with a 1-byte length; a cut-off name ends the list */
function alpnNames(data: Buffer): string[] {
  const names: string[] = [];
  if (data.length < 2) return names;
  const end = Math.min(2 + data.readUInt16BE(0), data.length);
  // each pass moves at least one byte
  for (let p = 2; p < end; ) {
    const len = data[p];
    if (len === 0 || p + 1 + len > end) break;
    names.push(data.toString('latin1', p + 1, p + 1 + len));
    p += 1 + len;
  }
  return names;
}

/** "TLS 1.3, TLS 1.2" for messages; a legacy-only hello names its highest version. */
export function offeredText(info: ClientHelloInfo): string {
  const names = info.versions.map(versionName).join(', ');
  return info.fromExtension ? names : `${names} (its highest)`;
}

/** what each connection's client offered, noted by the listener that peeked at it */
const offers = new WeakMap<object, string>();

/** the ALPN names each connection's client offered, when its hello carried them */
const alpnOffers = new WeakMap<object, string[]>();

/** The listener notes the hello it peeked at, for the TLS failure report of that connection (and its ALPN offer). */
export function noteClientHello(socket: object, first: Buffer): void {
  const info = parseClientHello(first);
  if (info) offers.set(socket, offeredText(info));
  if (info?.alpn) alpnOffers.set(socket, info.alpn);
}

/** The ALPN names the client of `socket` offered, as the listener saw them in its hello (undefined: none seen). */
export function clientAlpnOffer(socket: object): readonly string[] | undefined {
  return alpnOffers.get(socket);
}

/** "TLS 1.1 (its highest)" / "TLS 1.3, TLS 1.2" when the listener noted a hello for `socket`. */
export function clientOffered(socket: object): string | undefined {
  return offers.get(socket);
}
