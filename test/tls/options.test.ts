/** Option → SecureContext mapping, config-time errors and certificate facts (no network). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { planContext } from '../../src/tls/context-options.ts';
import { loadMaterial, type Material } from '../../src/tls/material.ts';
import { createTlsEndpoint } from '../../src/tls/endpoint.ts';
import { parseFingerprints, matchFingerprint, fingerprintOf } from '../../src/tls/fingerprint.ts';
import { certFacts, certFactsToValues, truncateBytes } from '../../src/tls/cert-facts.ts';
import { parseCert } from '../../src/tls/x509/cert.ts';
import { openssl, opensslCert, pki, tempDir, captureLogs, logs } from './helpers.ts';

const empty: Material = { anchors: [], logs: [] };

test('ssl-options / ssl-version map to a version range and option bits', () => {
  const def = planContext('client', {}, empty);
  assert.equal(def.options.minVersion, 'TLSv1.2');
  assert.equal(def.options.maxVersion, 'TLSv1.3');
  assert.deepEqual(def.options.ca, [], 'an explicit empty CA list, never the default store');
  assert.ok(((def.options.secureOptions ?? 0) & constants.SSL_OP_NO_COMPRESSION) !== 0);

  const no13 = planContext('client', { sslOptions: ['no-sslv2', 'no_tlsv13'] }, empty);
  assert.equal(no13.options.maxVersion, 'TLSv1.2');
  const only13 = planContext('client', { sslVersion: 'TLSv1_3' }, empty);
  assert.equal(only13.options.minVersion, 'TLSv1.3');
  // a hole in the middle is closed with the per-version bit
  const hole = planContext('client', { sslVersion: 'tlsv1', sslOptions: ['no-tlsv11'] }, empty);
  assert.equal(hole.options.minVersion, 'TLSv1');
  assert.ok(((hole.options.secureOptions ?? 0) & constants.SSL_OP_NO_TLSv1_1) !== 0);
  const flags = planContext('client', { sslOptions: ['ignore-validity-period', 'ignore-hostname-mismatch', 'ignore-unexpected-eof'] }, empty).flags;
  assert.deepEqual(flags, { ignoreValidity: true, ignoreHostnameMismatch: true, ignoreUnexpectedEof: true });

  assert.throws(() => planContext('client', { sslOptions: ['none'] }, empty), /unknown ssl-options\(\) argument 'none'/);
  assert.throws(() => planContext('client', { sslVersion: 'sslv2' }, empty), /unknown ssl-version\(\) argument/);
  assert.throws(() => planContext('client', { sslOptions: ['no-tlsv12', 'no-tlsv13'] }, empty), /no TLS version enabled/);
});

test('cipher-suite: string form is TLS 1.2 only, block form splits, server order follows ssl-options', () => {
  const s = planContext('server', { cipherSuite: 'ECDHE-ECDSA-AES256-GCM-SHA384' }, empty);
  assert.match(s.options.ciphers!, /^ECDHE-ECDSA-AES256-GCM-SHA384:TLS_AES_256_GCM_SHA384:/);
  assert.equal(s.options.honorCipherOrder, true);
  assert.equal(s.options.sessionIdContext, 'syslog');
  const b = planContext('client', { cipherSuiteTls12: 'ECDHE-RSA-AES128-GCM-SHA256', cipherSuiteTls13: 'TLS_CHACHA20_POLY1305_SHA256' }, empty);
  assert.equal(b.options.ciphers, 'ECDHE-RSA-AES128-GCM-SHA256:TLS_CHACHA20_POLY1305_SHA256');
  assert.equal(planContext('server', { sslOptions: [] }, empty).options.honorCipherOrder, false);
  const c = planContext('client', { ecdhCurveList: 'prime256v1:secp384r1', sigalgs: 'ECDSA+SHA256' }, empty);
  assert.equal(c.options.ecdhCurve, 'prime256v1:secp384r1');
  assert.equal(c.options.sigalgs, 'ECDSA+SHA256');
});

test('openssl-conf-cmds: expressible commands map, others are refused', () => {
  const p = planContext('client', { opensslConfCmds: [['CipherString', 'ECDHE-RSA-AES128-SHA'], ['CipherSuites', 'TLS_AES_256_GCM_SHA384'], ['Protocol', '-ALL,TLSv1.3']] }, empty);
  assert.equal(p.options.minVersion, 'TLSv1.3');
  assert.equal(p.options.ciphers, 'ECDHE-RSA-AES128-SHA:TLS_AES_256_GCM_SHA384');
  assert.throws(() => planContext('client', { opensslConfCmds: [['VerifyMode', 'Peer']] }, empty), /Error setting up SSL conf context, invalid cmd or value in config list; cmd='VerifyMode'/);
});

test('unsupported options are config-time errors with the reason', () => {
  assert.throws(() => planContext('client', { allowCompress: true }, empty), /allow-compress\(yes\) cannot be honoured/);
  assert.throws(() => planContext('client', { clientSigalgs: 'RSA+SHA256' }, empty), /client-sigalgs\(\) is not supported/);
  const P = pki();
  assert.throws(() => createTlsEndpoint('client', { caDir: `${P}/ca.d`, ocspStaplingVerify: true }), /ocsp-stapling-verify\(yes\) is not supported by logferry/);
  assert.throws(() => createTlsEndpoint('server', { sni: true }, { file: 'a.conf', line: 4, column: 9 }), /^TlsConfigError: sni\(\) is only valid in a destination/);
  assert.throws(() => createTlsEndpoint('client', { cipherSuite: 'NOPE-NOPE' }), /no cipher in cipher-suite\(\) is known/);
  assert.throws(() => createTlsEndpoint('client', { ecdhCurveList: 'nocurve' }), /invalid curve name in list; ecdh_curve_list='nocurve'/);
  assert.throws(() => createTlsEndpoint('client', { trustedKeys: ['AB:CD'] }), /must start with the digest algorithm/);
  assert.throws(() => createTlsEndpoint('client', { trustedKeys: ['MD99:AB'] }), /unknown digest algorithm specified; fingerprint-alg='MD99'/);
});

test('material errors name the option, the file, the reason and the fix', (t) => {
  const P = pki();
  const d = tempDir(t);
  const load = (o: object) => () => loadMaterial('server', o, undefined);
  assert.throws(load({ keyFile: join(d, 'nope.key'), certFile: `${P}/server.pem` }), /key-file\(\) .*nope\.key: no such file/);
  assert.throws(load({ keyFile: `${P}/client1.key`, certFile: `${P}/server.pem` }), /key-file\(\) .*client1\.key does not match cert-file\(\) .*server\.pem/);
  const bom = join(d, 'bom.pem');
  writeFileSync(bom, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), readFileSync(`${P}/server.pem`)]));
  assert.throws(load({ keyFile: `${P}/server.key`, certFile: bom }), /PEM has no start line — the file starts with a UTF-8 byte-order mark/);
  const der = join(d, 'server.der');
  writeFileSync(der, parseCert(readFileSync(`${P}/server.pem`)).der);
  assert.throws(load({ caFile: der }), /ca-file\(\) .*is DER \(binary\), not PEM; convert it with: openssl x509 -inform der/);
  const junk = join(d, 'junk.pem');
  writeFileSync(junk, 'hello\r\n');
  assert.throws(load({ caFile: junk }), /PEM has no start line — Windows line endings or a BOM\? convert with dos2unix/);
  const crlf = join(d, 'crlf.pem');
  writeFileSync(crlf, readFileSync(`${P}/ca.pem`, 'latin1').replace(/\n/g, '\r\n'));
  assert.equal(loadMaterial('client', { caFile: crlf }, undefined).anchors.length, 1, 'CRLF PEM is fine');
  const enc = join(d, 'enc.key');
  openssl(['pkey', '-in', `${P}/server.key`, '-aes256', '-passout', 'pass:x', '-out', enc]);
  assert.throws(load({ keyFile: enc, certFile: `${P}/server.pem` }), /passphrase-protected, which logferry does not support/);
  assert.throws(load({ caDir: join(d, 'missing.d') }), /ca-dir\(\) .*missing\.d cannot be read: no such directory/);
  captureLogs();
  logs.length = 0;
  const m = loadMaterial('server', { pkcs12File: `${P}/server.p12`, keyFile: `${P}/server.key` }, 'x.conf:1:1');
  assert.equal(m.anchors[0].subjectDn, 'CN=Test Root CA, O=ExampleOrg', 'PKCS#12 CAs become trust anchors');
  assert.ok(m.logs.some((l) => l.text === 'WARNING: pkcs12-file() is specified, key-file() and cert-file() will be omitted'));
  const bare = loadMaterial('server', {}, 'x.conf:1:1');
  assert.ok(bare.logs.some((l) => l.text.startsWith('You have a TLS enabled source without a X.509 keypair')));
});

test('fingerprints: exact upper-case ALG:HEX strings, several digests', () => {
  const P = pki();
  const der = parseCert(readFileSync(`${P}/client1.pem`)).der;
  const lines = readFileSync(`${P}/client1.fingerprints`, 'latin1').trim().split('\n');
  for (const l of lines) assert.equal(matchFingerprint(der, parseFingerprints([l])), l, `mkcerts line ${l}`);
  const s512 = 'SHA512:' + openssl(['x509', '-noout', '-fingerprint', '-sha512', '-in', `${P}/client1.pem`]).replace(/^.*=/, '');
  assert.equal(fingerprintOf(der, 'sha512'), s512);
  assert.equal(matchFingerprint(der, parseFingerprints([s512.toLowerCase()])), undefined);
  assert.equal(matchFingerprint(der, parseFingerprints(['sha512' + s512.slice(6)])), undefined, 'lower-case algorithm never matches');
  assert.equal(parseFingerprints(['SHA3-256:00'])[0].alg, 'sha3-256');
});

test('certificate facts and .tls.* values', (t) => {
  const P = pki();
  const f = certFacts(parseCert(readFileSync(`${P}/client1.pem`)), 'SHA1:AA');
  assert.deepEqual(certFactsToValues(f), [
    ['.tls.x509_cn', 'client1'], ['.tls.x509_o', 'ExampleOrg'], ['.tls.x509_ou', 'Logging'], ['.tls.x509_fp', 'SHA1:AA'],
  ]);
  assert.match(f.fingerprintSha256, /^SHA256:([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  assert.equal(f.issuer, 'CN=Test Root CA, O=ExampleOrg');
  const d = tempDir(t);
  const long = certFacts(parseCert(readFileSync(opensslCert(d, 'long', `/OU=${'u'.repeat(40)}/CN=${'c'.repeat(64)}`))));
  assert.equal(long.cn, 'c'.repeat(63));
  assert.equal(long.ou, 'u'.repeat(31));
  assert.deepEqual(certFactsToValues(long).find(([k]) => k === '.tls.x509_o'), ['.tls.x509_o', ''], 'absent O is an empty string');
  assert.equal(truncateBytes('ééé', 5), 'éé');
});
