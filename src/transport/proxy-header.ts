/**
 * The PROXY protocol header (HAProxy's proxy-protocol.txt, v1 text and v2
 * binary) that a load balancer writes at the start of a connection to say
 * whom it is relaying: pure parsing, no sockets.
 *
 * What AxoSyslog 4.27 (lib/transport/transport-haproxy.c) does, and where
 * logferry differs:
 * - the version is told from the first bytes: `PROXY` (v1) or the v2
 *   signature; anything else is refused. logferry decides on the first byte
 *   already, so a sender that bypasses the balancer and writes syslog at once
 *   is refused at once instead of after a timeout.
 * - v1 is one line of at most 107 bytes with its CRLF. Like 4.27, logferry
 *   also takes a bare LF: syslog-ng's own loggen (3.38 and 4.27) ends the line
 *   so. 4.27 also takes extra spaces, extra fields, addresses of the wrong
 *   family and out-of-range ports (with a warning); logferry refuses each of
 *   them with its reason: a header the specification forbids is a broken
 *   balancer or someone writing headers by hand, and it gives no trustworthy
 *   address.
 * - v2: the whole header (16 bytes plus its length field) is limited to 1500
 *   bytes as in 4.27; command LOCAL (health checks) and v1 `UNKNOWN` / v2
 *   AF_UNSPEC are answered by 4.27 with closing the connection, the caller
 *   does the same with `kind` 'local' / 'unknown'; AF_UNIX is refused as in
 *   4.27; TLVs are checked to lie inside the header and otherwise skipped.
 *   logferry also checks all 12 signature bytes and the transport nibble.
 */
import { SocketAddress } from 'node:net';

export interface ProxyEndpoint {
  address: string;
  port: number;
}

export type ProxyHeader =
  /** the balancer's client: `source` is the client, `destination` the address it connected to */
  | { kind: 'proxy'; version: 1 | 2; family: 'IPv4' | 'IPv6'; source: ProxyEndpoint; destination: ProxyEndpoint; length: number }
  /** v2 LOCAL: the balancer speaking for itself (a health check) */
  | { kind: 'local'; version: 2; length: number }
  /** v1 UNKNOWN or v2 AF_UNSPEC: the balancer does not know the client's address */
  | { kind: 'unknown'; version: 1 | 2; length: number };

export type ProxyParse =
  | { state: 'incomplete' }
  | { state: 'done'; header: ProxyHeader; rest: Buffer }
  | { state: 'error'; reason: string };

/** v1: the longest line the specification allows, CRLF included */
export const V1_MAX_LENGTH = 107;
/** v2: AxoSyslog's buffer for the whole header (16 fixed bytes + address block + TLVs) */
export const V2_MAX_LENGTH = 1500;
export const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const V1_PREFIX = Buffer.from('PROXY ', 'latin1');
const V2_FIXED = 16;
const INCOMPLETE: ProxyParse = Object.freeze({ state: 'incomplete' });

/** Parses the header at the start of `buf`; 'incomplete' until enough bytes are there to decide. */
export function parseProxyHeader(buf: Buffer): ProxyParse {
  if (buf.length === 0) return INCOMPLETE;
  if (buf[0] === V1_PREFIX[0]) return parseV1(buf);
  if (buf[0] === V2_SIGNATURE[0]) return parseV2(buf);
  return error(`the connection does not start with a PROXY protocol header (first bytes ${preview(buf)})`);
}

function parseV1(buf: Buffer): ProxyParse {
  const n = Math.min(buf.length, V1_PREFIX.length);
  if (buf.compare(V1_PREFIX, 0, n, 0, n) !== 0) return error(`the connection does not start with a PROXY protocol header (first bytes ${preview(buf)})`);
  const lf = buf.indexOf(0x0a);
  if (lf < 0 || lf >= V1_MAX_LENGTH) {
    return buf.length >= V1_MAX_LENGTH ? error(`the PROXY v1 line has no end within ${V1_MAX_LENGTH} bytes, the limit of the specification`) : INCOMPLETE;
  }
  const length = lf + 1;
  const end = buf[lf - 1] === 0x0d ? lf - 1 : lf;
  if (end > V1_MAX_LENGTH - 2) return error(`the PROXY v1 line is longer than ${V1_MAX_LENGTH} bytes with its CRLF, the limit of the specification`);
  const line = buf.toString('latin1', 0, end);
  const rest = buf.subarray(length);
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return error(`the PROXY v1 line holds the byte 0x${c.toString(16).padStart(2, '0')} at offset ${i}; only printable ASCII is allowed`);
  }
  const fields = line.split(' ');
  const proto = fields[1];
  if (proto === 'UNKNOWN') return { state: 'done', header: { kind: 'unknown', version: 1, length }, rest };
  if (proto !== 'TCP4' && proto !== 'TCP6') return error(`the PROXY v1 protocol is '${proto}'; it must be TCP4, TCP6 or UNKNOWN`);
  if (fields.length !== 6) {
    return error(`the PROXY v1 ${proto} line has ${fields.length - 2} fields after the protocol; it needs exactly 4 (source address, destination address, source port, destination port) separated by single spaces`);
  }
  const family = proto === 'TCP4' ? 'IPv4' : 'IPv6';
  const src = v1Address(fields[2]!, family, 'source');
  if (typeof src !== 'string') return src;
  const dst = v1Address(fields[3]!, family, 'destination');
  if (typeof dst !== 'string') return dst;
  const sport = v1Port(fields[4]!, 'source');
  if (typeof sport !== 'number') return sport;
  const dport = v1Port(fields[5]!, 'destination');
  if (typeof dport !== 'number') return dport;
  return { state: 'done', header: { kind: 'proxy', version: 1, family, source: { address: src, port: sport }, destination: { address: dst, port: dport }, length }, rest };
}

/** The address as ${SOURCEIP} shows it (IPv6 in its canonical text, as inet_ntop writes it), or the refusal. */
function v1Address(text: string, family: 'IPv4' | 'IPv6', which: string): string | ProxyParse {
  const proto = family === 'IPv4' ? 'TCP4' : 'TCP6';
  if (family === 'IPv4') {
    // dotted quad, no leading zeros (Node's check): what every balancer writes
    if (!/^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/.test(text)) return error(`the PROXY v1 ${proto} ${which} address '${text}' is not an IPv4 address`);
    return text;
  }
  if (!/^[0-9A-Fa-f:.]+$/.test(text)) return error(`the PROXY v1 ${proto} ${which} address '${text}' is not an IPv6 address`);
  try {
    return new SocketAddress({ address: text, family: 'ipv6' }).address;
  } catch {
    return error(`the PROXY v1 ${proto} ${which} address '${text}' is not an IPv6 address`);
  }
}

function v1Port(text: string, which: string): number | ProxyParse {
  if (!/^(?:0|[1-9]\d{0,4})$/.test(text) || Number(text) > 65535) return error(`the PROXY v1 ${which} port '${text}' is not a number from 0 to 65535 without leading zeros`);
  return Number(text);
}

function parseV2(buf: Buffer): ProxyParse {
  const n = Math.min(buf.length, V2_SIGNATURE.length);
  if (buf.compare(V2_SIGNATURE, 0, n, 0, n) !== 0) return error(`the connection does not start with a PROXY protocol header (first bytes ${preview(buf)})`);
  if (buf.length < V2_FIXED) return INCOMPLETE;
  const version = buf[12]! >> 4;
  const command = buf[12]! & 0x0f;
  const family = buf[13]! >> 4;
  const transport = buf[13]! & 0x0f;
  const declared = buf.readUInt16BE(14);
  const length = V2_FIXED + declared;
  if (version !== 2) return error(`the PROXY v2 version is ${version}; only 2 exists`);
  if (command > 1) return error(`the PROXY v2 command is ${command}; it must be 0 (LOCAL) or 1 (PROXY)`);
  if (length > V2_MAX_LENGTH) return error(`the PROXY v2 header is ${length} bytes long; the limit is ${V2_MAX_LENGTH}`);
  if (command === 1) {
    if (family === 3) return error('the PROXY v2 header carries AF_UNIX addresses; only AF_INET, AF_INET6 and AF_UNSPEC are accepted');
    if (family > 3) return error(`the PROXY v2 address family is ${family}; it must be 0 (AF_UNSPEC), 1 (AF_INET) or 2 (AF_INET6)`);
    if (transport > 2) return error(`the PROXY v2 transport protocol is ${transport}; it must be 0 (UNSPEC), 1 (STREAM) or 2 (DGRAM)`);
    const need = family === 1 ? 12 : family === 2 ? 36 : 0;
    if (declared < need) return error(`the PROXY v2 header declares ${declared} bytes after its fixed part; ${family === 1 ? 'AF_INET' : 'AF_INET6'} addresses need ${need}`);
  }
  if (buf.length < length) return INCOMPLETE;
  const rest = buf.subarray(length);
  if (command === 0) return { state: 'done', header: { kind: 'local', version: 2, length }, rest };
  const addrLen = family === 1 ? 12 : family === 2 ? 36 : 0;
  const tlvError = checkTlvs(buf, V2_FIXED + addrLen, length);
  if (tlvError) return error(tlvError);
  if (family === 0) return { state: 'done', header: { kind: 'unknown', version: 2, length }, rest };
  const a = V2_FIXED;
  if (family === 1) {
    const source = { address: ipv4(buf, a), port: buf.readUInt16BE(a + 8) };
    const destination = { address: ipv4(buf, a + 4), port: buf.readUInt16BE(a + 10) };
    return { state: 'done', header: { kind: 'proxy', version: 2, family: 'IPv4', source, destination, length }, rest };
  }
  const source = { address: ipv6(buf, a), port: buf.readUInt16BE(a + 32) };
  const destination = { address: ipv6(buf, a + 16), port: buf.readUInt16BE(a + 34) };
  return { state: 'done', header: { kind: 'proxy', version: 2, family: 'IPv6', source, destination, length }, rest };
}

/** TLVs (type, 16-bit length, value) fill the rest of the header exactly; their content is not used. */
function checkTlvs(buf: Buffer, from: number, end: number): string | undefined {
  let pos = from;
  while (pos < end) {
    if (end - pos < 3) return `the PROXY v2 header ends with ${end - pos} stray byte(s) at offset ${pos}, too few for a TLV`;
    const len = buf.readUInt16BE(pos + 1);
    if (pos + 3 + len > end) return `the PROXY v2 TLV of type 0x${buf[pos]!.toString(16).padStart(2, '0')} at offset ${pos} declares ${len} bytes, past the end of the header`;
    pos += 3 + len;
  }
  return undefined;
}

function ipv4(b: Buffer, at: number): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
}

function ipv6(b: Buffer, at: number): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(at + i).toString(16));
  // the canonical text (zero runs shortened, mapped IPv4 dotted), as inet_ntop writes it
  return new SocketAddress({ address: groups.join(':'), family: 'ipv6' }).address;
}

function error(reason: string): ProxyParse {
  return { state: 'error', reason };
}

/**
 * The first bytes as the log line shows them: as text when they are printable
 * ASCII (a syslog line), else in hex (a TLS ClientHello, binary), so the log's
 * own quoting never has to escape them.
 */
export function preview(buf: Buffer, max = 16): string {
  const head = buf.subarray(0, max);
  const more = buf.length > max ? '...' : '';
  const printable = head.every((c) => c >= 0x20 && c <= 0x7e && c !== 0x5c && c !== 0x22 && c !== 0x27);
  return printable ? `"${head.toString('latin1')}"${more}` : `0x${head.toString('hex')}${more}`;
}

/**
 * Feeds a connection's first chunks to the parser until it decides. Holds at
 * most what came so far of one header plus the chunk that completed it.
 */
export class ProxyHeaderReader {
  #held: Buffer | undefined;
  #decided = false;

  /** the bytes taken so far (for the truncation message) */
  get received(): number {
    return this.#held?.length ?? 0;
  }

  push(chunk: Buffer): ProxyParse {
    if (this.#decided) throw new Error('ProxyHeaderReader: the header was already decided');
    const buf = this.#held === undefined || this.#held.length === 0 ? chunk : Buffer.concat([this.#held, chunk]);
    const r = parseProxyHeader(buf);
    if (r.state === 'incomplete') this.#held = buf;
    else {
      this.#decided = true;
      this.#held = undefined;
    }
    return r;
  }

  /** Why an end of stream now is a refusal (undefined: nothing was received, the peer only connected). */
  endReason(): string | undefined {
    const n = this.received;
    if (n === 0) return undefined;
    return `the peer closed the connection after ${n} byte(s) of an unfinished PROXY header`;
  }
}
