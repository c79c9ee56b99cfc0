/**
 * Property-based fuzzing of every function that sees peer-controlled bytes,
 * fed with REAL certificates and CRLs of the test PKI mutated the way broken
 * or hostile encoders do (bit flips, truncation, length bytes, splices), not
 * only random bytes. Parsers may refuse with their one typed error; nothing
 * else may escape, and each input is handled in bounded time.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as tls from 'node:tls';
import fc from 'fast-check';
import { parseCert, X509ParseError, type ParsedCert } from '../../src/tls/x509/cert.ts';
import { parseCrl, type ParsedCrl } from '../../src/tls/x509/crl.ts';
import { pemBlocks } from '../../src/tls/x509/pem.ts';
import { certFacts } from '../../src/tls/cert-facts.ts';
import { fingerprintOf, matchFingerprint, parseFingerprints } from '../../src/tls/fingerprint.ts';
import { matchHostname, verifyCertificateName } from '../../src/tls/hostname.ts';
import { matchAnyDn } from '../../src/tls/dn-glob.ts';
import { chainFindings, verdict } from '../../src/tls/verify/index.ts';
import { looksLikeClientHello, parseClientHello, offeredText } from '../../src/tls/client-hello.ts';
import { pki } from './helpers.ts';

/** a hang guard that tolerates a GC pause on a busy 2-core CI box; the mean is held much lower */
const PER_INPUT_MS = 250;
const MEAN_MS = 20;
const spent: number[] = [];
let certs: Buffer[] = [];
let crls: Buffer[] = [];
let anchors: ParsedCert[] = [];
let goodCrls: ParsedCrl[] = [];

before(() => {
  const P = pki();
  const der = (f: string) => pemBlocks(readFileSync(`${P}/${f}`, 'latin1'))[0].der;
  certs = ['client1.pem', 'client-int.pem', 'server.pem', 'int-ca.pem', 'ca.pem', 'selfsigned.pem', 'revoked.pem', 'server-wrongname.pem'].map(der);
  crls = ['crl.pem', 'int-crl.pem'].map(der);
  anchors = [parseCert(der('ca.pem')), parseCert(der('int-ca.pem'))];
  goodCrls = crls.map((b, i) => parseCrl(b, `crl${i}`));
});

type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'length'; at: number; value: number }
  | { kind: 'splice'; from: number; at: number; len: number; donor: number }
  | { kind: 'random'; bytes: Uint8Array };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  // a byte that follows a tag is usually a length: make it short, long-form or absurd
  fc.record({ kind: fc.constant('length' as const), at: fc.nat(), value: fc.constantFrom(0x00, 0x01, 0x7f, 0x80, 0x81, 0x82, 0x84, 0x88, 0xff) }),
  fc.record({ kind: fc.constant('splice' as const), from: fc.nat(), at: fc.nat(), len: fc.integer({ min: 1, max: 64 }), donor: fc.nat() }),
  fc.record({ kind: fc.constant('random' as const), bytes: fc.uint8Array({ maxLength: 256 }) }),
);

function mutate(src: Buffer, ms: Mutation[], pool: Buffer[]): Buffer {
  let b = Buffer.from(src);
  for (const m of ms) {
    if (b.length === 0) break;
    switch (m.kind) {
      case 'flip': b[m.at % b.length] ^= 1 << m.bit; break;
      case 'truncate': b = b.subarray(0, m.at % b.length); break;
      case 'length': {
        // the byte after a constructed tag or a common primitive tag
        const tags = [];
        for (let i = 0; i + 1 < b.length; i++) if ([0x30, 0x31, 0x02, 0x03, 0x04, 0x06, 0x0c, 0x13, 0xa0, 0xa3].includes(b[i])) tags.push(i + 1);
        if (tags.length) b[tags[m.at % tags.length]] = m.value;
        break;
      }
      case 'splice': {
        const d = pool[m.donor % pool.length];
        const from = m.from % d.length;
        const at = m.at % b.length;
        b = Buffer.concat([b.subarray(0, at), d.subarray(from, from + m.len), b.subarray(at)]);
        break;
      }
      case 'random': b = Buffer.concat([b.subarray(0, b.length >> 1), Buffer.from(m.bytes)]); break;
    }
  }
  return b;
}

function timed(what: string, fn: () => void): void {
  const t0 = performance.now();
  fn();
  const ms = performance.now() - t0;
  spent.push(ms);
  assert.ok(ms < PER_INPUT_MS, `${what} took ${ms.toFixed(1)} ms`);
}

/** Everything downstream of a parsed peer certificate: none of it may throw. */
function exercise(c: ParsedCert): void {
  certFacts(c);
  fingerprintOf(c.der, 'sha256');
  matchFingerprint(c.der, parseFingerprints(['SHA256:00', 'SHA1:00']));
  verifyCertificateName(c, 'localhost');
  verifyCertificateName(c, '127.0.0.1');
  verifyCertificateName(c, '::1');
  for (const s of c.san) matchHostname('a.example.com', s.value);
  matchAnyDn(['*, O=ExampleOrg', 'CN=*'], c.subjectDn);
  const chain = [c, ...anchors];
  const findings = () => chainFindings({ chain, anchors, crls: goodCrls, purpose: 'clientAuth', now: new Date() });
  findings();
  for (const err of [null, 'UNABLE_TO_GET_CRL', 'CERT_REVOKED']) {
    verdict({ mode: 'required-trusted', side: 'source', chain, opensslError: err, findings, fingerprints: parseFingerprints([fingerprintOf(c.der, 'sha256')]), fingerprintsAnchor: true, trustedDn: ['*'] });
    verdict({ mode: 'required-trusted', side: 'destination', chain, opensslError: err, findings, host: 'localhost', ekuVerify: true });
  }
}

test('mutated real certificates: parse or refuse with X509ParseError; everything downstream never throws', () => {
  let parsed = 0;
  fc.assert(
    fc.property(fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 4 }), (pick, ms) => {
      const input = mutate(certs[pick % certs.length], ms, [...certs, ...crls]);
      timed('certificate', () => {
        let c: ParsedCert;
        try {
          c = parseCert(input);
        } catch (e) {
          assert.ok(e instanceof X509ParseError, `unexpected ${(e as Error)?.name}: ${(e as Error)?.message}`);
          return;
        }
        parsed++;
        exercise(c);
      });
    }),
    { numRuns: 600, seed: 12 },
  );
  // the mutations must not all be trivially rejected: some survive OpenSSL and reach our code
  assert.ok(parsed > 20, `only ${parsed} mutated certificates parsed`);
});

test('mutated real CRLs: parse or refuse with X509ParseError; lookups on a parsed one never throw', () => {
  fc.assert(
    fc.property(fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 4 }), (pick, ms) => {
      const input = mutate(crls[pick % crls.length], ms, [...crls, ...certs]);
      timed('CRL', () => {
        let crl: ParsedCrl;
        try {
          crl = parseCrl(input, 'fuzz.r0');
        } catch (e) {
          assert.ok(e instanceof X509ParseError, `unexpected ${(e as Error)?.name}: ${(e as Error)?.message}`);
          return;
        }
        const chain = [parseCert(certs[6]), anchors[0]];
        chainFindings({ chain, anchors, crls: [crl], purpose: 'clientAuth', now: new Date() });
      });
    }),
    { numRuns: 400, seed: 7 },
  );
});

/** the first bytes a real Node TLS client sends (its ClientHello), captured on a loopback socket */
async function realClientHello(opts: tls.ConnectionOptions): Promise<Buffer> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  try {
    const first = new Promise<Buffer>((resolve, reject) => {
      server.once('connection', (s) => {
        s.once('data', (d: Buffer) => {
          resolve(d);
          s.destroy();
        });
        s.once('error', reject);
      });
    });
    const c = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...opts });
    c.on('error', () => {});
    const hello = await first;
    c.destroy();
    return hello;
  } finally {
    server.close();
  }
}

test('mutated real ClientHellos: the offered-versions parser never throws and answers in bounded time', async () => {
  const hellos = [
    await realClientHello({ servername: 'localhost' }),
    await realClientHello({ minVersion: 'TLSv1', maxVersion: 'TLSv1.2' }),
  ];
  for (const h of hellos) assert.ok(parseClientHello(h)?.complete, 'the unmutated hello parses');
  let parsed = 0;
  fc.assert(
    fc.property(fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 4 }), (pick, ms) => {
      const input = mutate(hellos[pick % hellos.length], ms, hellos);
      timed('ClientHello', () => {
        looksLikeClientHello(input);
        const info = parseClientHello(input);
        if (info) {
          parsed++;
          offeredText(info);
        }
      });
    }),
    { numRuns: 400, seed: 3 },
  );
  assert.ok(parsed > 20, `only ${parsed} mutated hellos still read as one`);
});

test('the mean time per fuzzed input stays small', () => {
  assert.ok(spent.length > 900);
  const mean = spent.reduce((a, b) => a + b, 0) / spent.length;
  assert.ok(mean < MEAN_MS, `mean ${mean.toFixed(2)} ms per input`);
});

test('random host names and DN globs against real certificates never throw and stay fast', () => {
  const c = parseCert(certs[2]);
  fc.assert(
    fc.property(fc.string({ maxLength: 300 }), fc.string({ maxLength: 300 }), (host, pattern) => {
      timed('names', () => {
        verifyCertificateName(c, host);
        matchHostname(host, pattern);
        matchAnyDn([pattern], c.subjectDn + host);
      });
    }),
    { numRuns: 500, seed: 3 },
  );
});
