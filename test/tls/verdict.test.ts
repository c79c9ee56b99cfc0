/** The one verdict (tls/verify/) as a pure table over OpenSSL's result and certificate facts, and failure diagnostics. */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { verdict, MODES, type VerdictInput, type Finding } from '../../src/tls/verify/index.ts';
import { parseCert, type ParsedCert } from '../../src/tls/x509/cert.ts';
import { parseFingerprints, fingerprintOf } from '../../src/tls/fingerprint.ts';
import { failureFromError, failureFromVerdict, type DiagnoseContext } from '../../src/tls/diagnose.ts';
import { reportTlsFailure } from '../../src/tls/events.ts';
import { certFacts } from '../../src/tls/cert-facts.ts';
import { TlsFailure } from '../../src/tls/types.ts';
import { getCounter } from '../../src/core/stats.ts';
import { captureLogs, logs, pki } from './helpers.ts';

let leaf: ParsedCert;
let ca: ParsedCert;
before(() => {
  const P = pki();
  leaf = parseCert(readFileSync(`${P}/client1.pem`));
  ca = parseCert(readFileSync(`${P}/ca.pem`));
  captureLogs();
});

const none = (): Finding[] => [];
const base = (over: Partial<VerdictInput>): VerdictInput => ({
  mode: 'required-trusted', side: 'source', chain: [leaf, ca], opensslError: null, findings: none, ...over,
});

test('the per-mode table: which modes verify and which need a certificate', () => {
  assert.deepEqual(MODES['required-trusted'], { requestCertificate: true, certificateRequired: true, verifyChain: true });
  assert.deepEqual(MODES['optional-untrusted'], { requestCertificate: false, certificateRequired: false, verifyChain: false });
  const table: Array<[VerdictInput['mode'], boolean, boolean]> = [
    // mode, accepted without a certificate, accepted with an expired one
    ['required-trusted', false, false],
    ['required-untrusted', false, true],
    ['optional-trusted', true, false],
    ['optional-untrusted', true, true],
  ];
  const expired = (): Finding[] => [{ depth: 0, code: 'CERT_HAS_EXPIRED', cert: leaf }];
  for (const [mode, noCert, badCert] of table) {
    const a = verdict(base({ mode, chain: [] }));
    assert.equal(a.ok, noCert, `${mode} without certificate`);
    if (!a.ok) assert.equal(a.reason, 'no_peer_certificate');
    assert.equal(verdict(base({ mode, opensslError: 'CERT_HAS_EXPIRED', findings: expired })).ok, badCert, `${mode} with expired certificate`);
  }
});

test('OpenSSL is authoritative: its error is never dropped, even when the facts missed it', () => {
  const r = verdict(base({ opensslError: 'PATH_LENGTH_EXCEEDED' }));
  assert.equal(r.ok, false);
  assert.equal(r.reason, 'invalid_ca_in_chain');
  assert.equal(r.cert, leaf, 'an unplaced error is charged to the peer certificate');
  assert.equal(verdict(base({})).ok, true);
});

test('a tolerated last error does not hide a real one: revoked leaf + root without CRL is REVOKED', () => {
  const findings = (): Finding[] => [
    { depth: 0, code: 'CERT_REVOKED', cert: leaf, detail: 'listed in crl' },
    { depth: 1, code: 'UNABLE_TO_GET_CRL', cert: ca },
  ];
  const r = verdict(base({ opensslError: 'UNABLE_TO_GET_CRL', findings }));
  assert.equal(r.ok, false);
  assert.equal(r.reason, 'revoked');
  assert.equal(r.depth, 0);
  // only tolerated errors: accepted with syslog-ng's notice
  const ok = verdict(base({ opensslError: 'UNABLE_TO_GET_CRL', findings: () => [{ depth: 1, code: 'UNABLE_TO_GET_CRL', cert: ca }] }));
  assert.equal(ok.ok, true);
  assert.ok(ok.logs.some((l) => l.text === 'CRL directory is set but no CRLs found'));
  const purpose = verdict(base({ opensslError: 'INVALID_PURPOSE', findings: () => [{ depth: 0, code: 'INVALID_PURPOSE', cert: leaf }] }));
  assert.equal(purpose.ok, true);
  const exp = (): Finding[] => [{ depth: 0, code: 'CERT_HAS_EXPIRED', cert: leaf }];
  assert.equal(verdict(base({ opensslError: 'CERT_HAS_EXPIRED', findings: exp, ignoreValidity: true })).ok, true);
  const failed = verdict(base({ opensslError: 'CERT_HAS_EXPIRED', findings: exp }));
  assert.equal(failed.reason, 'expired');
  assert.deepEqual(failed.logs.at(-1), {
    level: 'error', text: 'Certificate validation failed',
    tags: { subject: 'CN=client1, OU=Logging, O=ExampleOrg', issuer: 'CN=Test Root CA, O=ExampleOrg', depth: 0, error: 'certificate has expired' },
  });
});

test('trusted-fingerprints() is a trust anchor at depth 0; trusted-keys() only narrows', () => {
  const fp = parseFingerprints([fingerprintOf(leaf.der, 'sha256')]);
  const depth0 = (): Finding[] => [{ depth: 0, code: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', cert: leaf }];
  const rescued = verdict(base({ chain: [leaf], opensslError: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', findings: depth0, fingerprints: fp, fingerprintsAnchor: true, trustedDn: ['nomatch'] }));
  assert.equal(rescued.ok, true);
  assert.equal(rescued.matchedFingerprint, fp[0].text);
  assert.ok(rescued.logs.some((l) => l.text === 'Certificate invalid, but accepting due to being present on trusted-fingerprints()'));
  assert.equal(verdict(base({ chain: [leaf], opensslError: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', findings: depth0, fingerprints: fp, fingerprintsAnchor: false })).reason, 'unknown_ca');
  // an error above the leaf first cannot be rescued
  const depth1 = (): Finding[] => [{ depth: 1, code: 'SELF_SIGNED_CERT_IN_CHAIN', cert: ca }, ...depth0()];
  assert.equal(verdict(base({ opensslError: 'SELF_SIGNED_CERT_IN_CHAIN', findings: depth1, fingerprints: fp, fingerprintsAnchor: true })).reason, 'unknown_ca');
  // an OpenSSL error the facts did not place is never rescued
  assert.equal(verdict(base({ opensslError: 'CERT_SIGNATURE_FAILURE', fingerprints: fp, fingerprintsAnchor: true })).ok, false);
  // a valid but unlisted leaf is refused in both modes
  const other = parseFingerprints(['SHA256:00']);
  for (const anchor of [true, false]) {
    const r = verdict(base({ fingerprints: other, fingerprintsAnchor: anchor }));
    assert.equal(r.reason, 'fingerprint_mismatch');
  }
});

test('added checks on a valid chain: non-CA issuer, trusted-dn, EKU, host name; untrusted modes skip them', () => {
  assert.equal(verdict(base({ chain: [leaf, leaf] })).reason, 'invalid_ca_in_chain');
  assert.equal(verdict(base({ trustedDn: ['CN=other'] })).reason, 'dn_mismatch');
  assert.equal(verdict(base({ trustedDn: ['*, O=ExampleOrg'] })).ok, true);
  const dst = (over: Partial<VerdictInput>) => verdict(base({ side: 'destination', ...over }));
  assert.equal(dst({ host: 'client1' }).ok, true, 'no SAN: the CN is compared');
  assert.equal(dst({ host: 'elsewhere' }).reason, 'hostname_mismatch');
  assert.equal(dst({ host: 'elsewhere', ignoreHostnameMismatch: true }).ok, true);
  assert.equal(dst({ ekuVerify: true }).reason, 'bad_purpose', 'client1 has clientAuth only');
  for (const mode of ['required-untrusted', 'optional-untrusted'] as const) {
    const r = verdict(base({ mode, opensslError: 'CERT_HAS_EXPIRED', trustedDn: ['nomatch'], fingerprints: parseFingerprints(['SHA1:00']) }));
    assert.equal(r.ok, true, mode);
    assert.equal(r.matchedFingerprint, undefined);
  }
  const bypass = verdict(base({ mode: 'optional-untrusted', side: 'destination' }));
  assert.ok(bypass.logs.some((l) => l.text === 'Bypassing certificate validation, peer certificate is always accepted'));
});

test('diagnostics name the peer certificate, not a CA of its chain; unknown CA advice does not weaken trust', () => {
  const ctxS: DiagnoseContext = { role: 'server', mode: 'required-trusted', anchors: [ca], hasKeyPair: true };
  const atCa = failureFromVerdict({ ok: false, reason: 'revoked', code: 'CERT_REVOKED', depth: 1, cert: ca, logs: [] }, ctxS, undefined, certFacts(leaf));
  assert.match(atCa.message, /^the client certificate 'CN=client1, OU=Logging, O=ExampleOrg' \(its chain's CA certificate 'CN=Test Root CA, O=ExampleOrg' at depth 1\)/);
  const ctxC: DiagnoseContext = { role: 'client', mode: 'required-trusted', anchors: [ca], hasKeyPair: true };
  const unknown = failureFromVerdict({ ok: false, reason: 'unknown_ca', code: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', depth: 0, cert: leaf, logs: [] }, ctxC, undefined, certFacts(leaf));
  assert.match(unknown.message, /does not authorise/);
  assert.match(unknown.fix, /^the server is not authorised by this trust store/);
  assert.match(unknown.fix, /accepted CAs \('CN=Test Root CA, O=ExampleOrg'\)/);
  assert.ok(unknown.fix.indexOf('only if') > unknown.fix.indexOf('accepted CAs'), 'adding a CA comes last, conditionally');
  const proto = failureFromError(Object.assign(new Error('x'), { code: 'ERR_SSL_UNSUPPORTED_PROTOCOL' }), { ...ctxS, versions: ['TLSv1.2', 'TLSv1.3'], clientOffered: 'TLS 1.1 (its highest)' }, undefined);
  assert.match(proto.message, /the client offered TLS 1\.1 \(its highest\)/);
});

const ctx: DiagnoseContext = { role: 'client', mode: 'required-trusted', anchors: [], hasKeyPair: true, versions: ['TLSv1.2', 'TLSv1.3'] };
const err = (code: string) => Object.assign(new Error(`boom ${code}`), { code });

test('Node/OpenSSL error codes map to reasons with a fix', () => {
  const table: Array<[string, 'server' | 'client', string, RegExp]> = [
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'server', 'plaintext_on_tls_port', /transport\("tls"\)/],
    ['ERR_SSL_HTTP_REQUEST', 'server', 'plaintext_on_tls_port', /transport\("tls"\)/],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'client', 'plaintext_on_tls_port', /TLS port/],
    ['ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE', 'server', 'no_peer_certificate', /^give the client key-file\(\) and cert-file\(\)[^]*(?<!optional-untrusted.*)$/],
    ['ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', 'client', 'peer_rejected_us', /^the server does not accept the CA that issued our certificate: use a certificate from a CA the server trusts/],
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
  // reported once by construction (the layer that decides the refusal reports it); no second call to hide
  reportTlsFailure(f, 'source');
  const lines = logs.filter((l) => l.text === 'TLS handshake failed');
  assert.equal(lines.length, 1);
  assert.deepEqual(lines[0].tags, {
    peer: 'AF_INET6([::1]:6514)', location: 'l.conf:7:3', subject: 'CN=a', issuer: 'CN=b', serial: '10', not_before: 'x', not_after: 'y',
    reason: 'expired', error: 'the client certificate expired', fix: 'renew it',
  });
  assert.equal(getCounter('tls_handshake_failures_total', { side: 'source', reason: 'expired' }), before + 1);
});

test('no fix weakens security, and every option a fix names is a tls() option AxoSyslog 4.27 accepts', async () => {
  const { tlsSchema } = await import('../../src/config/schema/tls.ts');
  const accepted = new Set([...tlsSchema.rows.map((r) => r.name), 'transport', 'tls', 'syslog', 'network']);
  const weakening = /optional-untrusted|required-untrusted|ignore-validity-period|ignore-hostname-mismatch|extended-key-usage-verify\(no\)/;
  const reasons = ['unknown_ca', 'self_signed', 'expired', 'not_yet_valid', 'revoked', 'crl_expired', 'hostname_mismatch', 'fingerprint_mismatch', 'dn_mismatch', 'invalid_ca_in_chain', 'bad_purpose', 'handshake_failed'] as const;
  const fixes: string[] = [];
  for (const role of ['server', 'client'] as const) {
    const ctx: DiagnoseContext = { role, mode: 'required-trusted', anchors: [ca], hasKeyPair: true, versions: ['TLSv1.2'], host: 'h', trustedDn: ['x'] };
    for (const reason of reasons) {
      fixes.push(failureFromVerdict({ ok: false, reason, code: 'X', depth: 0, cert: leaf, logs: [], nameCheck: { ok: false, lastPattern: 'a', candidates: ['a'], usedCn: false } }, ctx, undefined, certFacts(leaf)).fix);
    }
    for (const code of ['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE', 'ERR_SSL_NO_SHARED_CIPHER', 'ERR_SSL_UNSUPPORTED_PROTOCOL', 'ECONNRESET', 'ERR_SSL_CERTIFICATE_VERIFY_FAILED', 'ERR_X',
      ...['UNKNOWN_CA', 'CERTIFICATE_REQUIRED', 'CERTIFICATE_EXPIRED', 'CERTIFICATE_REVOKED', 'BAD_CERTIFICATE', 'CERTIFICATE_UNKNOWN', 'UNSUPPORTED_CERTIFICATE', 'INTERNAL_ERROR', 'HANDSHAKE_FAILURE', 'ACCESS_DENIED'].map((a) => `ERR_SSL_TLSV1_ALERT_${a}`)]) {
      fixes.push(failureFromError(err(code), { ...ctx, hasKeyPair: false }, undefined).fix, failureFromError(err(code), ctx, undefined).fix);
    }
  }
  for (const fix of fixes) {
    assert.doesNotMatch(fix, weakening, fix);
    for (const m of fix.matchAll(/\b([a-z][a-z0-9-]*[a-z0-9])\(/g)) assert.ok(accepted.has(m[1]), `'${m[1]}()' in: ${fix}`);
  }
});

test('chainFindings lists a real chain\'s errors in OpenSSL\'s order', async () => {
  const { chainFindings } = await import('../../src/tls/verify/index.ts');
  const { parseCrl } = await import('../../src/tls/x509/crl.ts');
  const { pemBlocks } = await import('../../src/tls/x509/pem.ts');
  const P = pki();
  const cert = (f: string) => parseCert(readFileSync(`${P}/${f}`));
  const crl = (f: string) => parseCrl(pemBlocks(readFileSync(`${P}/${f}`, 'latin1'))[0].der, f);
  const root = cert('ca.pem');
  const int = cert('int-ca.pem');
  const at = (chain: ParsedCert[], crls?: ReturnType<typeof crl>[], anchors = [root]) =>
    chainFindings({ chain, anchors, crls, purpose: 'clientAuth', now: new Date() }).map((f) => `${f.code}@${f.depth}`);
  assert.deepEqual(at([leaf, root], [crl('crl.pem')]), []);
  assert.deepEqual(at([cert('revoked.pem'), root], [crl('crl.pem')]), ['CERT_REVOKED@0']);
  assert.deepEqual(at([cert('expired.pem'), root]), ['CERT_HAS_EXPIRED@0']);
  assert.deepEqual(at([cert('selfsigned.pem')]), ['DEPTH_ZERO_SELF_SIGNED_CERT@0']);
  assert.deepEqual(at([cert('rogue.pem'), cert('ca2.pem')]), ['SELF_SIGNED_CERT_IN_CHAIN@1']);
  assert.deepEqual(at([cert('rogue.pem')]), ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY@0']);
  // intermediate chain, only the root's CRL: the leaf's level has none (tolerated later), the intermediate's is checked
  assert.deepEqual(at([cert('client-int.pem'), int, root], [crl('crl.pem')]), ['UNABLE_TO_GET_CRL@0']);
  assert.deepEqual(at([cert('client-int.pem'), int, root], [crl('crl.pem'), crl('int-crl.pem')]), []);
  // the intermediate in the store: the path is completed from the anchors
  assert.deepEqual(at([cert('client-int.pem')], [crl('crl.pem'), crl('int-crl.pem')], [root, int]), []);
  assert.deepEqual(at([cert('wrongeku.pem'), root]), ['INVALID_PURPOSE@0']);
});
