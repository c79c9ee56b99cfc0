/**
 * Many distinct client certificates, fast: a flood test needs thousands, and
 * building each through the ASN.1 library (src/pki/build-cert.ts) costs about
 * 5 ms, so 10 000 would take a minute. Instead src/pki builds ONE leaf as a
 * template, and each further leaf is that template's to-be-signed bytes with
 * the serial and the CN digits overwritten in place (same lengths, so no DER
 * length changes), signed again by the CA key. All leaves share one key pair:
 * TLS does not care, and the series under test are keyed by subject and serial.
 */
import { X509Certificate, type KeyObject } from 'node:crypto';
import { buildCert } from '../../src/pki/build-cert.ts';
import { generateKey, signDer } from '../../src/pki/keys.ts';
import { toPem } from '../../src/tls/x509/pem.ts';

export interface FloodPki {
  caPem: string;
  serverCertPem: string;
  serverKeyPem: string;
  /** the one key every leaf certifies */
  leafKeyPem: string;
  /** leaf certificates, PEM, each with its own CN (`flood-NNNNNNN`) and serial */
  leaves: string[];
  /** the leaves' serials as X509Certificate prints them (upper-case hex) */
  serials: string[];
  /** how long making the leaves took */
  ms: number;
}

/** DER length octets */
function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** offset and total size of the DER element starting at `at` */
function element(der: Buffer, at: number): { start: number; end: number } {
  let len = der[at + 1];
  let hdr = 2;
  if (len & 0x80) {
    const k = len & 0x7f;
    len = 0;
    for (let i = 0; i < k; i++) len = len * 256 + der[at + 2 + i];
    hdr += k;
  }
  return { start: at, end: at + hdr + len };
}

const CN_DIGITS = 7;
const SERIAL_BYTES = 16;

export function makeFloodPki(count: number): FloodPki {
  if (count >= 10 ** CN_DIGITS) throw new Error(`at most ${10 ** CN_DIGITS - 1} leaves`);
  const now = Date.now();
  const notBefore = new Date(now - 3_600_000);
  const notAfter = new Date(now + 30 * 86_400_000);
  const caKey = generateKey('ec');
  const caDer = buildCert({ kind: 'ca', cn: 'flood CA', subjectKey: caKey, signer: { cert: undefined, key: caKey }, notBefore, notAfter });
  const ca = new X509Certificate(caDer);
  const serverKey = generateKey('ec');
  const serverDer = buildCert({ kind: 'server', cn: 'flood server', subjectKey: serverKey, signer: { cert: ca, key: caKey }, notBefore, notAfter, san: [{ type: 'ip', value: '127.0.0.1' }] });
  const leafKey = generateKey('ec');

  // the template: a serial and a CN that appear nowhere else in the certificate
  const serial0 = Buffer.alloc(SERIAL_BYTES, 0x5a);
  const cn0 = 'flood-' + 'x'.repeat(CN_DIGITS);
  const template = buildCert({ kind: 'client', cn: cn0, subjectKey: leafKey, signer: { cert: ca, key: caKey }, notBefore, notAfter, serial: serial0 });
  const outer = element(template, 0);
  const tbsAt = outer.start + (template[1] & 0x80 ? 2 + (template[1] & 0x7f) : 2);
  const tbsEl = element(template, tbsAt);
  const tbs0 = template.subarray(tbsEl.start, tbsEl.end);
  const sigAlg = template.subarray(tbsEl.end, element(template, tbsEl.end).end);
  const serialAt = tbs0.indexOf(serial0);
  const cnAt = tbs0.indexOf(Buffer.from(cn0));
  if (serialAt < 0 || cnAt < 0) throw new Error('the template certificate does not hold its serial or CN verbatim');

  const t0 = performance.now();
  const leaves: string[] = [];
  const serials: string[] = [];
  const tbs = Buffer.from(tbs0);
  for (let i = 0; i < count; i++) {
    // serial: 0x01, then the index, then fixed filler: positive, minimal, distinct
    const serial = Buffer.alloc(SERIAL_BYTES, 0x5a);
    serial[0] = 0x01;
    serial.writeUInt32BE(i, 1);
    serial.copy(tbs, serialAt);
    tbs.write(String(i).padStart(CN_DIGITS, '0'), cnAt + 'flood-'.length, 'latin1');
    const sig = signDer(tbs, caKey as KeyObject);
    const bitString = Buffer.concat([Buffer.from([0x03]), derLength(sig.length + 1), Buffer.from([0x00]), sig]);
    const body = Buffer.concat([tbs, sigAlg, bitString]);
    leaves.push(toPem('CERTIFICATE', Buffer.concat([Buffer.from([0x30]), derLength(body.length), body])));
    serials.push(serial.toString('hex').toUpperCase());
  }
  const ms = performance.now() - t0;
  return {
    caPem: toPem('CERTIFICATE', caDer),
    serverCertPem: toPem('CERTIFICATE', serverDer),
    serverKeyPem: serverKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    leafKeyPem: leafKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    leaves,
    serials,
    ms,
  };
}
