/**
 * The PROXY header parser on its own: what it accepts (v1 TCP4/TCP6/UNKNOWN,
 * v2 PROXY/LOCAL with IPv4/IPv6/UNSPEC and TLVs), the exact reason of each
 * refusal, and properties over random headers: an encoder written here from
 * the specification round-trips through the parser, whatever the split of
 * the bytes into chunks, and bytes that are no header are refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ProxyHeaderReader, V2_SIGNATURE, parseProxyHeader, type ProxyParse } from '../../src/transport/proxy-header.ts';

// ---- an encoder from the specification (proxy-protocol.txt), independent of the parser ----

interface Addrs {
  family: 'IPv4' | 'IPv6';
  src: number[];
  dst: number[];
  sport: number;
  dport: number;
}

function v4Text(b: number[]): string {
  return b.join('.');
}

/** full form, no compression: the parser must canonicalize it */
function v6Full(b: number[]): string {
  const g: string[] = [];
  for (let i = 0; i < 16; i += 2) g.push(((b[i]! << 8) | b[i + 1]!).toString(16));
  return g.join(':');
}

/** RFC 5952 text (what inet_ntop gives), written here by hand for the expectations */
function v6Canonical(b: number[]): string {
  const w: number[] = [];
  for (let i = 0; i < 16; i += 2) w.push((b[i]! << 8) | b[i + 1]!);
  // IPv4-mapped and IPv4-compatible forms print the last 32 bits dotted, as glibc and libuv do
  const dotted = `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  if (w.slice(0, 5).every((x) => x === 0) && w[5] === 0xffff) return `::ffff:${dotted}`;
  // only when the zero run is exactly the first six groups: ::100 (a run of seven) stays hex, as inet_ntop writes it
  if (w.slice(0, 6).every((x) => x === 0) && w[6] !== 0) return `::${dotted}`;
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = w.map((x) => x.toString(16));
  if (bestLen < 2) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

function encodeV1(a: Addrs): Buffer {
  const proto = a.family === 'IPv4' ? 'TCP4' : 'TCP6';
  const t = a.family === 'IPv4' ? v4Text : v6Full;
  return Buffer.from(`PROXY ${proto} ${t(a.src)} ${t(a.dst)} ${a.sport} ${a.dport}\r\n`, 'latin1');
}

function encodeV2(a: Addrs | undefined, opts: { command?: number; tlvs?: Array<{ type: number; value: Buffer }> } = {}): Buffer {
  const fam = a === undefined ? 0 : a.family === 'IPv4' ? 1 : 2;
  const addr = a === undefined ? Buffer.alloc(0) : Buffer.from([...a.src, ...a.dst, a.sport >> 8, a.sport & 255, a.dport >> 8, a.dport & 255]);
  const tlvs = Buffer.concat((opts.tlvs ?? []).map((t) => Buffer.concat([Buffer.from([t.type, t.value.length >> 8, t.value.length & 255]), t.value])));
  const len = addr.length + tlvs.length;
  const fixed = Buffer.from([...V2_SIGNATURE, 0x20 | (opts.command ?? 1), (fam << 4) | 1, len >> 8, len & 255]);
  return Buffer.concat([fixed, addr, tlvs]);
}

function expected(a: Addrs): { family: string; source: { address: string; port: number }; destination: { address: string; port: number } } {
  const t = a.family === 'IPv4' ? v4Text : v6Canonical;
  return { family: a.family, source: { address: t(a.src), port: a.sport }, destination: { address: t(a.dst), port: a.dport } };
}

const byte = fc.integer({ min: 0, max: 255 });
const port = fc.integer({ min: 0, max: 65535 });
const addrsArb: fc.Arbitrary<Addrs> = fc.oneof(
  fc.record({ family: fc.constant('IPv4' as const), src: fc.array(byte, { minLength: 4, maxLength: 4 }), dst: fc.array(byte, { minLength: 4, maxLength: 4 }), sport: port, dport: port }),
  fc.record({
    family: fc.constant('IPv6' as const),
    // zero-heavy groups so compression is exercised
    src: fc.array(fc.oneof(fc.constant(0), byte), { minLength: 16, maxLength: 16 }),
    dst: fc.array(fc.oneof(fc.constant(0), byte), { minLength: 16, maxLength: 16 }),
    sport: port,
    dport: port,
  }),
);
const tlvArb = fc.array(fc.record({ type: byte, value: fc.uint8Array({ maxLength: 40 }).map((u) => Buffer.from(u)) }), { maxLength: 4 });
const payload = fc.uint8Array({ maxLength: 64 }).map((u) => Buffer.from(u));

/** feeds `bytes` in the given chunk sizes; returns the decision and how many chunks it took */
function feed(bytes: Buffer, cuts: number[]): ProxyParse {
  const r = new ProxyHeaderReader();
  let at = 0;
  for (const c of [...cuts, bytes.length]) {
    const end = Math.min(bytes.length, Math.max(at, c));
    if (end === at) continue;
    const out = r.push(bytes.subarray(at, end));
    at = end;
    if (out.state !== 'incomplete') return out;
  }
  return { state: 'incomplete' };
}

function done(p: ProxyParse): Extract<ProxyParse, { state: 'done' }> {
  assert.equal(p.state, 'done', JSON.stringify(p));
  return p as Extract<ProxyParse, { state: 'done' }>;
}

function reason(p: ProxyParse): string {
  assert.equal(p.state, 'error', JSON.stringify(p));
  return (p as { reason: string }).reason;
}

// ---- examples ----

test('v1 TCP4 and TCP6: addresses and ports, the bytes after the header are handed back', () => {
  const r = done(parseProxyHeader(Buffer.from('PROXY TCP4 203.0.113.7 198.51.100.1 4242 514\r\n<13>hello\n')));
  assert.deepEqual(r.header, { kind: 'proxy', version: 1, family: 'IPv4', source: { address: '203.0.113.7', port: 4242 }, destination: { address: '198.51.100.1', port: 514 }, length: 46 });
  assert.equal(r.rest.toString(), '<13>hello\n');
  const r6 = done(parseProxyHeader(Buffer.from('PROXY TCP6 2001:DB8:0:0:0:0:0:7 ::1 65535 0\r\n')));
  assert.deepEqual(r6.header.kind === 'proxy' && [r6.header.source, r6.header.destination], [{ address: '2001:db8::7', port: 65535 }, { address: '::1', port: 0 }]);
  assert.equal(r6.rest.length, 0);
});

test('v1 ended by a bare LF is taken, as AxoSyslog does (its loggen writes it so); a CR alone ends nothing', () => {
  const r = done(parseProxyHeader(Buffer.from('PROXY TCP4 203.0.113.7 198.51.100.1 4242 514\nnext')));
  assert.equal(r.header.length, 45);
  assert.equal(r.rest.toString(), 'next');
  assert.equal(parseProxyHeader(Buffer.from('PROXY TCP4 1.1.1.1 2.2.2.2 3333 4444\r')).state, 'incomplete');
  assert.match(reason(parseProxyHeader(Buffer.from('PROXY TCP4 1.1.1.1 2.2.2.2 3333 4444\rx\r\n'))), /byte 0x0d at offset 36/);
  // 106 bytes of text and a bare LF fit in 107 bytes, but not in 105 + CRLF
  const head = 'PROXY UNKNOWN ';
  assert.match(reason(parseProxyHeader(Buffer.from(head + 'x'.repeat(106 - head.length) + '\n'))), /longer than 107 bytes with its CRLF/);
  assert.equal(done(parseProxyHeader(Buffer.from(head + 'x'.repeat(105 - head.length) + '\n'))).header.length, 106);
});

test('v1 UNKNOWN, with or without the ignored rest of the line', () => {
  assert.deepEqual(done(parseProxyHeader(Buffer.from('PROXY UNKNOWN\r\nx'))).header, { kind: 'unknown', version: 1, length: 15 });
  assert.equal(done(parseProxyHeader(Buffer.from('PROXY UNKNOWN ffff::1 ::1 1 2\r\n'))).header.kind, 'unknown');
});

test('v1 refusals say exactly what is wrong', () => {
  const cases: Array<[string, RegExp]> = [
    ['<13>Oct 11 22:14:15 host app: hi\n', /does not start with a PROXY protocol header \(first bytes "<13>Oct 11 22:14"\.\.\.\)/],
    ['PROXZ TCP4', /does not start with a PROXY protocol header/],
    ['PROXY TCP3 1.1.1.1 2.2.2.2 3333 4444\r\n', /protocol is 'TCP3'; it must be TCP4, TCP6 or UNKNOWN/],
    ['PROXY TCP4 1.1.1.1 2.2.2.2 3333\r\n', /has 3 fields after the protocol; it needs exactly 4/],
    ['PROXY TCP4  1.1.1.1 2.2.2.2 3333 4444\r\n', /has 5 fields after the protocol/],
    ['PROXY TCP4 1.1.1.1 2.2.2.2 3333 4444 extra\r\n', /has 5 fields/],
    ['PROXY TCP4 ::1 ::2 3333 4444\r\n', /TCP4 source address '::1' is not an IPv4 address/],
    ['PROXY TCP6 1.1.1.1 ::2 3333 4444\r\n', /TCP6 source address '1\.1\.1\.1' is not an IPv6 address/],
    ['PROXY TCP6 ::1 fe80::1%eth0 1 2\r\n', /destination address 'fe80::1%eth0' is not an IPv6 address/],
    ['PROXY TCP4 1.1.1 2.2.2.2 3333 4444\r\n', /'1\.1\.1' is not an IPv4 address/],
    ['PROXY TCP4 1.1.1.1 2.2.2.2 33333 65536\r\n', /destination port '65536' is not a number from 0 to 65535/],
    ['PROXY TCP4 1.1.1.1 2.2.2.2 -1 1\r\n', /source port '-1'/],
    ['PROXY TCP4 1.1.1.1 2.2.2.2 0080 1\r\n', /source port '0080' .* without leading zeros/],
    ['PROXY TCP4 1.1.1.1 2.2.2.2 1\t 1\r\n', /byte 0x09 at offset 28; only printable ASCII/],
    [`PROXY TCP4 ${'1'.repeat(110)}`, /no end within 107 bytes/],
  ];
  for (const [text, re] of cases) assert.match(reason(parseProxyHeader(Buffer.from(text))), re, JSON.stringify(text));
});

test('v1: 107 bytes with CRLF is the longest line taken; without an LF by then it is refused', () => {
  const head = 'PROXY UNKNOWN ';
  const line = head + 'x'.repeat(107 - head.length - 2) + '\r\n';
  assert.equal(line.length, 107);
  assert.equal(done(parseProxyHeader(Buffer.from(line))).header.length, 107);
  assert.equal(parseProxyHeader(Buffer.from(line.slice(0, 106))).state, 'incomplete');
  assert.match(reason(parseProxyHeader(Buffer.from(head + 'x'.repeat(107 - head.length - 1) + '\r\n'))), /no end within 107 bytes/);
});

test('v2 PROXY over IPv4 and IPv6, LOCAL, AF_UNSPEC, and TLVs skipped', () => {
  // AxoSyslog's own unit-test vector: 1.1.1.1:33333 -> 2.2.2.2:44444
  const axo = Buffer.concat([V2_SIGNATURE, Buffer.from([0x21, 0x11, 0x00, 0x0c, 1, 1, 1, 1, 2, 2, 2, 2, 0x82, 0x35, 0xad, 0x9c])]);
  const r = done(parseProxyHeader(Buffer.concat([axo, Buffer.from('after')])));
  assert.deepEqual(r.header, { kind: 'proxy', version: 2, family: 'IPv4', source: { address: '1.1.1.1', port: 33333 }, destination: { address: '2.2.2.2', port: 44444 }, length: 28 });
  assert.equal(r.rest.toString(), 'after');
  const v6 = { family: 'IPv6' as const, src: [0x20, 0x01, 0x0d, 0xb8, ...Array(11).fill(0), 7], dst: [...Array(10).fill(0), 0xff, 0xff, 203, 0, 113, 9], sport: 1, dport: 6514 };
  const r6 = done(parseProxyHeader(encodeV2(v6, { tlvs: [{ type: 0x20, value: Buffer.from([1, 2, 3]) }, { type: 0x04, value: Buffer.alloc(0) }] })));
  assert.deepEqual(r6.header.kind === 'proxy' && [r6.header.source.address, r6.header.destination.address], ['2001:db8::7', '::ffff:203.0.113.9']);
  assert.deepEqual(done(parseProxyHeader(encodeV2(v6, { command: 0 }))).header, { kind: 'local', version: 2, length: 16 + 36 });
  assert.deepEqual(done(parseProxyHeader(encodeV2(undefined))).header, { kind: 'unknown', version: 2, length: 16 });
});

test('v2 refusals say exactly what is wrong', () => {
  const ok = encodeV2({ family: 'IPv4', src: [1, 2, 3, 4], dst: [5, 6, 7, 8], sport: 1, dport: 2 });
  const patch = (at: number, v: number, base = ok): Buffer => {
    const b = Buffer.from(base);
    b[at] = v;
    return b;
  };
  const cases: Array<[Buffer, RegExp]> = [
    [patch(7, 0x50), /does not start with a PROXY protocol header \(first bytes 0x0d0a0d0a000d0a505549540a2111000c\.\.\.\)/],
    [patch(12, 0x11), /v2 version is 1; only 2 exists/],
    [patch(12, 0x22), /command is 2; it must be 0 \(LOCAL\) or 1 \(PROXY\)/],
    [patch(13, 0x31), /AF_UNIX addresses; only AF_INET, AF_INET6 and AF_UNSPEC/],
    [patch(13, 0x41), /address family is 4/],
    [patch(13, 0x13), /transport protocol is 3/],
    [patch(15, 8), /declares 8 bytes after its fixed part; AF_INET addresses need 12/],
    [patch(14, 0x06), /header is 1564 bytes long; the limit is 1500/],
  ];
  for (const [bytes, re] of cases) assert.match(reason(parseProxyHeader(bytes)), re, bytes.toString('hex'));
  // a TLV whose length points past the header's end
  const bad = Buffer.concat([ok, Buffer.from([0x05, 0x00, 0x09, 0x41])]);
  bad.writeUInt16BE(12 + 4, 14);
  assert.match(reason(parseProxyHeader(bad)), /TLV of type 0x05 at offset 28 declares 9 bytes, past the end of the header/);
  const stray = Buffer.concat([ok, Buffer.from([0x05, 0x00])]);
  stray.writeUInt16BE(12 + 2, 14);
  assert.match(reason(parseProxyHeader(stray)), /ends with 2 stray byte\(s\) at offset 28/);
  // the version, command and family are judged at 16 bytes, before the declared length arrived
  assert.equal(parseProxyHeader(patch(12, 0x23).subarray(0, 16)).state, 'error');
  assert.equal(parseProxyHeader(ok.subarray(0, 27)).state, 'incomplete');
});

test('a sender that bypasses the balancer is refused on its first byte, not after a timeout', () => {
  for (const first of ['<', '1', 'p', '\x16']) assert.equal(parseProxyHeader(Buffer.from(first)).state, 'error', JSON.stringify(first));
  assert.equal(parseProxyHeader(Buffer.from('P')).state, 'incomplete');
  assert.equal(parseProxyHeader(Buffer.from('\r')).state, 'incomplete');
});

test('the reader: truncation is told apart from a peer that sent nothing', () => {
  const r = new ProxyHeaderReader();
  assert.equal(r.endReason(), undefined);
  assert.equal(r.push(Buffer.from('PROXY TCP4 1.')).state, 'incomplete');
  assert.equal(r.endReason(), 'the peer closed the connection after 13 byte(s) of an unfinished PROXY header');
});

// ---- properties ----

test('property: v1 and v2 headers round-trip, split at every byte boundary, with the rest intact', () => {
  fc.assert(
    fc.property(addrsArb, fc.boolean(), tlvArb, payload, (a, v2, tlvs, after) => {
      const head = v2 ? encodeV2(a, { tlvs }) : encodeV1(a);
      const bytes = Buffer.concat([head, after]);
      const want = { ...expected(a), version: v2 ? 2 : 1, length: head.length };
      for (let cut = 0; cut <= bytes.length; cut++) {
        const r = done(feed(bytes, [cut]));
        assert.deepEqual(r.header, { kind: 'proxy', ...want });
        // the chunk that ends the header hands back what follows it; the rest comes as later chunks
        const later = cut >= head.length ? bytes.subarray(cut) : Buffer.alloc(0);
        assert.deepEqual(Buffer.concat([r.rest, later]), after);
      }
    }),
    { numRuns: 150 },
  );
});

test('property: byte-at-a-time and random chunkings decide exactly as the whole buffer does', () => {
  fc.assert(
    fc.property(addrsArb, fc.boolean(), fc.array(fc.nat({ max: 80 }), { maxLength: 8 }), (a, v2, cuts) => {
      const bytes = v2 ? encodeV2(a) : encodeV1(a);
      const whole = parseProxyHeader(bytes);
      const ones = feed(bytes, Array.from({ length: bytes.length }, (_, i) => i + 1));
      const random = feed(bytes, [...cuts].sort((x, y) => x - y));
      assert.deepEqual(ones, whole);
      assert.deepEqual(random, whole);
    }),
    { numRuns: 200 },
  );
});

test('property: bytes that are no header are refused (never taken as one), within the size limits', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), (u) => {
      const b = Buffer.from(u);
      const r = parseProxyHeader(b);
      if (b[0] !== 0x50 && b[0] !== 0x0d) assert.equal(r.state, 'error');
      if (r.state === 'done') assert.fail(`random bytes parsed as a header: ${b.toString('hex')}`);
      if (r.state === 'incomplete') assert.ok(b.length < 1500);
    }),
    { numRuns: 2000 },
  );
  // mutations of a valid v1 header: a changed byte in the fixed words, the separators or the LF is never taken
  fc.assert(
    fc.property(addrsArb, fc.nat(), byte, (a, at, v) => {
      const b = encodeV1(a);
      const i = at % b.length;
      // the CR is left out: without it the line still ends with a bare LF, which is taken
      const structural = i < 11 || b[i] === 0x20 || i === b.length - 1;
      fc.pre(structural && b[i] !== v);
      const m = Buffer.from(b);
      m[i] = v;
      assert.notEqual(parseProxyHeader(m).state, 'done', `${JSON.stringify(m.toString('latin1'))} taken`);
    }),
    { numRuns: 500 },
  );
});
