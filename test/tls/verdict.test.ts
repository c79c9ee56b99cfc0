/** The syslog-ng decision procedure on synthetic verifier events, and failure diagnostics. */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { evaluatePolicy, type PolicyInput } from '../../src/tls/policy.ts';
import { parseCert, type ParsedCert } from '../../src/tls/cert-parse.ts';
import { parseFingerprints, fingerprintOf } from '../../src/tls/fingerprint.ts';
import type { VerifyEvent } from '../../src/tls/chain.ts';
import { failureFromError, reportTlsFailure, type DiagnoseContext } from '../../src/tls/diagnose.ts';
import { TlsFailure } from '../../src/tls/types.ts';
import { getCounter } from '../../src/message/stats.ts';
import { captureLogs, logs, pki } from './helpers.ts';

let leaf: ParsedCert;
let ca: ParsedCert;
before(() => {
  const P = pki();
  leaf = parseCert(readFileSync(`${P}/client1.pem`));
  ca = parseCert(readFileSync(`${P}/ca.pem`));
  captureLogs();
});

const okSteps = (): VerifyEvent[] => [{ depth: 1, ok: true, cert: ca }, { depth: 0, ok: true, cert: leaf }];
const base = (over: Partial<PolicyInput>): PolicyInput => ({ mode: 'required-trusted', side: 'source', leaf, events: okSteps(), ...over });

test('valid chain passes; untrusted modes skip every constraint', () => {
  assert.equal(evaluatePolicy(base({})).ok, true);
  const bad: VerifyEvent[] = [{ depth: 0, ok: false, code: 'CERT_HAS_EXPIRED', cert: leaf }, ...okSteps()];
  for (const mode of ['required-untrusted', 'optional-untrusted'] as const) {
    const r = evaluatePolicy(base({ mode, events: bad, trustedDn: ['nomatch'], fingerprints: parseFingerprints(['SHA1:00']) }));
    assert.equal(r.ok, true, mode);
    assert.equal(r.matchedFingerprint, undefined);
  }
  const dst = evaluatePolicy(base({ mode: 'optional-untrusted', side: 'destination', events: bad }));
  assert.ok(dst.logs.some((l) => l.text === 'Bypassing certificate validation, peer certificate is always accepted'));
});

test('trusted-fingerprints() rescue happens only for a depth-0 failure reported first', () => {
  const fp = parseFingerprints([fingerprintOf(leaf.der, 'sha256')]);
  const depth0: VerifyEvent[] = [{ depth: 0, ok: false, code: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', cert: leaf }, { depth: 0, ok: true, cert: leaf }];
  assert.equal(evaluatePolicy(base({ events: depth0, fingerprints: fp, fingerprintsMode: true, trustedDn: ['nomatch'] })).ok, true);
  assert.equal(evaluatePolicy(base({ events: depth0, fingerprints: fp, fingerprintsMode: false })).reason, 'unknown_ca');
  const depth1: VerifyEvent[] = [{ depth: 1, ok: false, code: 'SELF_SIGNED_CERT_IN_CHAIN', cert: ca }, ...depth0];
  assert.equal(evaluatePolicy(base({ events: depth1, fingerprints: fp, fingerprintsMode: true })).reason, 'unknown_ca');
});

test('ignorable library errors and the cross-check with Node/OpenSSL', () => {
  const crl: VerifyEvent[] = [{ depth: 0, ok: false, code: 'UNABLE_TO_GET_CRL', cert: leaf }, ...okSteps()];
  const r = evaluatePolicy(base({ events: crl }));
  assert.equal(r.ok, true);
  assert.ok(r.logs.some((l) => l.text === 'CRL directory is set but no CRLs found'));
  assert.equal(evaluatePolicy(base({ libraryCode: 'INVALID_PURPOSE' })).ok, true, 'purpose errors are ignored');
  const lib = evaluatePolicy(base({ libraryCode: 'PATH_LENGTH_EXCEEDED' }));
  assert.equal(lib.ok, false, 'an error only the library saw is not ignored');
  assert.equal(lib.reason, 'invalid_ca_in_chain');
  const exp: VerifyEvent[] = [{ depth: 0, ok: false, code: 'CERT_HAS_EXPIRED', cert: leaf }, ...okSteps()];
  assert.equal(evaluatePolicy(base({ events: exp, ignoreValidity: true, libraryCode: 'CERT_HAS_EXPIRED' })).ok, true);
  const failed = evaluatePolicy(base({ events: exp }));
  assert.equal(failed.reason, 'expired');
  assert.deepEqual(failed.logs.at(-1), {
    level: 'error', text: 'Certificate validation failed',
    tags: { subject: 'CN=client1, OU=Logging, O=ExampleOrg', issuer: 'CN=Test Root CA, O=ExampleOrg', error: 'certificate has expired', depth: 0 },
  });
});

const ctx: DiagnoseContext = { role: 'client', mode: 'required-trusted', anchors: [], hasKeyPair: true, versions: ['TLSv1.2', 'TLSv1.3'] };
const err = (code: string) => Object.assign(new Error(`boom ${code}`), { code });

test('Node/OpenSSL error codes map to reasons with a fix', () => {
  const table: Array<[string, 'server' | 'client', string, RegExp]> = [
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'server', 'plaintext_on_tls_port', /transport\("tls"\)/],
    ['ERR_SSL_HTTP_REQUEST', 'server', 'plaintext_on_tls_port', /transport\("tls"\)/],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'client', 'plaintext_on_tls_port', /TLS port/],
    ['ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE', 'server', 'no_peer_certificate', /peer-verify\(optional-untrusted\)/],
    ['ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', 'client', 'peer_rejected_us', /add that CA to the server's ca-dir\(\)/],
    ['ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED', 'client', 'peer_rejected_us', /renew cert-file\(\)/],
    ['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'client', 'peer_rejected_us', /key-file\(\) and cert-file\(\)/],
    ['ERR_SSL_NO_SHARED_CIPHER', 'server', 'no_shared_cipher', /cipher-suite\(\)/],
    ['ERR_SSL_UNSUPPORTED_PROTOCOL', 'client', 'protocol_version', /ssl-version\(\)/],
    ['ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', 'client', 'protocol_version', /ssl-version\(\)/],
    ['ECONNRESET', 'client', 'handshake_failed', /server probably rejected our certificate/],
  ];
  for (const [code, role, reason, fix] of table) {
    const f = failureFromError(err(code), { ...ctx, role }, undefined);
    assert.equal(f.reason, reason, code);
    assert.match(f.fix, fix, code);
  }
});

test('reportTlsFailure logs once with the tags and counts', () => {
  logs.length = 0;
  const f = new TlsFailure('expired', 'the client certificate expired', 'renew it', {
    peer: { address: '::1', port: 6514, family: 'IPv6' },
    location: { file: 'l.conf', line: 7, column: 3 },
    facts: { subject: 'CN=a', issuer: 'CN=b', serial: '10', validFrom: 'x', validTo: 'y', fingerprintSha1: '', fingerprintSha256: '' },
  });
  const before = getCounter('tls_handshake_failures_total', { side: 'source', reason: 'expired' });
  reportTlsFailure(f, 'source');
  reportTlsFailure(f, 'source');
  const lines = logs.filter((l) => l.text === 'TLS handshake failed');
  assert.equal(lines.length, 1);
  assert.deepEqual(lines[0].tags, {
    peer: 'AF_INET6([::1]:6514)', location: 'l.conf:7:3', subject: 'CN=a', issuer: 'CN=b', serial: '10', not_before: 'x', not_after: 'y',
    reason: 'expired', error: 'the client certificate expired', fix: 'renew it',
  });
  assert.equal(getCounter('tls_handshake_failures_total', { side: 'source', reason: 'expired' }), before + 1);
});
