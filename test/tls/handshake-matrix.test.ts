/**
 * Real handshakes between two logferry endpoints over 127.0.0.1, covering the
 * peer-verify table of tls-options.md §4.1 and every constraint of §4.6–§4.10.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { captureLogs, logs, pair, pki, type Outcome } from './helpers.ts';
import { intRevokedPki } from './int-pki.ts';
import type { PeerVerify, TlsOptions, TlsReason } from '../../src/tls/types.ts';
import { getCounter } from '../../src/core/stats.ts';

let P = '';
const MODES: PeerVerify[] = ['optional-untrusted', 'optional-trusted', 'required-untrusted', 'required-trusted'];
const id = (name: string): TlsOptions => ({ keyFile: `${P}/${name}.key`, certFile: `${P}/${name}.pem` });
/** a client identity that also trusts the server (otherwise it hangs up first) */
const cli = (name: string): TlsOptions => ({ ...id(name), caDir: `${P}/ca.d` });
const srvCa = (): TlsOptions => ({ ...id('server'), caDir: `${P}/ca.d`, crlDir: `${P}/ca.d` });

function expectOk(o: Outcome, what: string): void {
  assert.ok(o.ok, `${what}: expected success, got ${o.ok ? '' : `${o.failure.reason}: ${o.failure.message}`}`);
}
function expectFail(o: Outcome, reason: TlsReason, what: string): void {
  assert.ok(!o.ok, `${what}: expected failure ${reason}, got success`);
  if (!o.ok) assert.equal(o.failure.reason, reason, `${what}: ${o.failure.message}`);
}

before(() => {
  P = pki();
  captureLogs();
  // an intermediate without CA:TRUE (and without keyUsage, so OpenSSL still links it) issuing a leaf,
  // and a rogue chain that ends in the untrusted CA2
  const ext = join(P, 'noca.ext');
  writeFileSync(ext, 'basicConstraints=CA:FALSE\n');
  execFileSync('openssl', ['req', '-new', '-key', `${P}/client1.key`, '-subj', '/O=ExampleOrg/CN=not-a-ca', '-out', `${P}/mid.csr`]);
  execFileSync('openssl', ['x509', '-req', '-in', `${P}/mid.csr`, '-CA', `${P}/ca.pem`, '-CAkey', `${P}/ca.key`, '-set_serial', '76', '-days', '30', '-extfile', ext, '-out', `${P}/mid.pem`]);
  execFileSync('openssl', ['req', '-new', '-key', `${P}/client2.key`, '-subj', '/CN=under-leaf', '-out', `${P}/under.csr`]);
  execFileSync('openssl', ['x509', '-req', '-in', `${P}/under.csr`, '-CA', `${P}/mid.pem`, '-CAkey', `${P}/client1.key`, '-set_serial', '77', '-days', '30', '-out', `${P}/under.pem`]);
  writeFileSync(`${P}/under-chain.pem`, readFileSync(`${P}/under.pem`, 'latin1') + readFileSync(`${P}/mid.pem`, 'latin1'));
  execFileSync('openssl', ['x509', '-req', '-in', `${P}/under.csr`, '-CA', `${P}/client1.pem`, '-CAkey', `${P}/client1.key`, '-set_serial', '78', '-days', '30', '-out', `${P}/under-c1.pem`]);
  writeFileSync(`${P}/under-c1-chain.pem`, readFileSync(`${P}/under-c1.pem`, 'latin1') + readFileSync(`${P}/client1.pem`, 'latin1'));
  writeFileSync(`${P}/rogue-chain.pem`, readFileSync(`${P}/rogue.pem`, 'latin1') + readFileSync(`${P}/ca2.pem`, 'latin1'));
});

const sha = (file: string, alg: string) =>
  alg.toUpperCase() + ':' + execFileSync('openssl', ['x509', '-noout', '-fingerprint', `-${alg}`, '-in', file], { encoding: 'utf8' }).trim().replace(/^.*=/, '');

describe('source (server) verifies the client, per peer-verify mode', () => {
  // client presents → [client tls(), reason when rejected by a trusted mode]
  const CLIENTS: Array<[string, () => TlsOptions, TlsReason | null]> = [
    ['valid', () => ({ ...id('client1'), caDir: `${P}/ca.d` }), null],
    ['untrusted CA', () => ({ ...id('rogue'), caDir: `${P}/ca.d` }), 'unknown_ca'],
    ['expired', () => ({ ...id('expired'), caDir: `${P}/ca.d` }), 'expired'],
    ['not yet valid', () => ({ ...id('notyet'), caDir: `${P}/ca.d` }), 'not_yet_valid'],
    ['revoked', () => ({ ...id('revoked'), caDir: `${P}/ca.d` }), 'revoked'],
    ['self-signed', () => ({ ...id('selfsigned'), caDir: `${P}/ca.d` }), 'self_signed'],
  ];
  for (const mode of MODES) {
    test(`${mode}`, async () => {
      const noCert = await pair({ ...srvCa(), peerVerify: mode }, { caDir: `${P}/ca.d` });
      if (mode.startsWith('required')) expectFail(noCert.server, 'no_peer_certificate', `${mode} / no cert`);
      else {
        expectOk(noCert.server, `${mode} / no cert`);
        if (noCert.server.ok) assert.equal(noCert.server.session.peer, undefined);
      }
      for (const [name, opts, reason] of CLIENTS) {
        const r = await pair({ ...srvCa(), peerVerify: mode }, opts());
        const what = `${mode} / ${name}`;
        if (mode === 'optional-untrusted') {
          expectOk(r.server, what);
          // no CertificateRequest: the client certificate is never learnt
          if (r.server.ok) assert.equal(r.server.session.peer, undefined, what);
        } else if (reason === null || mode === 'required-untrusted') {
          expectOk(r.server, what);
          if (r.server.ok) assert.ok(r.server.session.peer?.cn, `${what}: certificate facts recorded`);
        } else expectFail(r.server, reason, what);
      }
    });
  }

  test('valid client certificate gives the .tls.x509 facts', async () => {
    const r = await pair(srvCa(), { ...id('client1'), caDir: `${P}/ca.d` });
    expectOk(r.server, 'mutual');
    if (!r.server.ok) return;
    assert.equal(r.server.session.peer?.cn, 'client1');
    assert.equal(r.server.session.peer?.o, 'ExampleOrg');
    assert.equal(r.server.session.peer?.ou, 'Logging');
    assert.equal(r.server.session.peer?.subject, 'CN=client1, OU=Logging, O=ExampleOrg');
    assert.equal(r.server.session.peer?.matchedFingerprint, undefined);
  });
});

describe('destination (client) verifies the server, per peer-verify mode', () => {
  // server identity → [host, client extra, reason when rejected by a trusted mode]
  const SERVERS: Array<[string, string, string, TlsReason | null]> = [
    ['valid', 'server', '127.0.0.1', null],
    ['valid by name', 'server', 'localhost', null],
    ['untrusted CA', 'server-ca2', '127.0.0.1', 'unknown_ca'],
    ['wrong host name', 'server-wrongname', '127.0.0.1', 'hostname_mismatch'],
    ['name not in SAN', 'server', 'logsrv.test', 'hostname_mismatch'],
    ['expired', 'expired', 'expired-client', 'expired'],
    ['not yet valid', 'notyet', 'notyet-client', 'not_yet_valid'],
    ['revoked', 'revoked', 'revoked-client', 'revoked'],
    ['self-signed', 'selfsigned', 'selfsigned-client', 'self_signed'],
  ];
  for (const mode of MODES) {
    test(`${mode}`, async () => {
      for (const [name, srv, host, reason] of SERVERS) {
        logs.length = 0;
        const r = await pair({ ...id(srv), peerVerify: 'optional-untrusted' }, { caDir: `${P}/ca.d`, crlDir: `${P}/ca.d`, peerVerify: mode }, host);
        const what = `${mode} / ${name}`;
        if (mode.endsWith('untrusted')) {
          expectOk(r.client, what);
          assert.ok(logs.some((l) => l.text === 'Bypassing certificate validation, peer certificate is always accepted'), what);
        } else if (reason === null) expectOk(r.client, what);
        else expectFail(r.client, reason, what);
      }
    });
  }

  test('host-name mismatch: syslog-ng log line, message, ignore-hostname-mismatch', async () => {
    logs.length = 0;
    const before = getCounter('tls_handshake_failures_total', { side: 'destination', reason: 'hostname_mismatch' });
    const r = await pair({ ...id('server'), peerVerify: 'optional-untrusted' }, { caDir: `${P}/ca.d` }, 'logsrv.test');
    expectFail(r.client, 'hostname_mismatch', 'mismatch');
    if (!r.client.ok) {
      assert.match(r.client.failure.message, /host name 'logsrv\.test' is not in the server certificate's SAN \[localhost, 127\.0\.0\.1, ::1\]/);
      assert.match(r.client.failure.fix, /subjectAltName DNS:logsrv\.test/);
    }
    const line = logs.find((l) => l.text === 'Certificate subject does not match configured hostname');
    assert.deepEqual(line?.tags, { hostname: 'logsrv.test', certificate: '::1' });
    assert.equal(logs.filter((l) => l.text === 'TLS handshake failed' && l.tags.reason === 'hostname_mismatch').length, 1, 'reported once');
    assert.equal(getCounter('tls_handshake_failures_total', { side: 'destination', reason: 'hostname_mismatch' }), before + 1);

    logs.length = 0;
    const ok = await pair({ ...id('server'), peerVerify: 'optional-untrusted' }, { caDir: `${P}/ca.d`, sslOptions: ['ignore-hostname-mismatch'] }, 'logsrv.test');
    expectOk(ok.client, 'ignore-hostname-mismatch');
    assert.ok(logs.some((l) => l.text === 'Ignoring certificate subject validation error due to options(ignore-hostname-mismatch)'));
  });

  test('extended-key-usage-verify(yes) rejects a server certificate without serverAuth', async () => {
    const srv = { ...id('client1'), peerVerify: 'optional-untrusted' as const };
    expectOk((await pair(srv, { caDir: `${P}/ca.d` }, 'client1')).client, 'purpose ignored by default');
    logs.length = 0;
    const r = await pair(srv, { caDir: `${P}/ca.d`, extendedKeyUsageVerify: true }, 'client1');
    expectFail(r.client, 'bad_purpose', 'eku verify');
    assert.ok(logs.some((l) => l.text === 'Certificate validation failed (invalid purpose)' && l.tags.eku === 'present'));
  });

  test('no CA configured: trusted mode rejects even a valid server (no system store)', async () => {
    const r = await pair({ ...id('server'), peerVerify: 'optional-untrusted' }, {}, 'localhost');
    expectFail(r.client, 'unknown_ca', 'no CA');
    if (!r.client.ok) assert.match(r.client.failure.message, /no CA is configured/);
  });
});

describe('constraints', () => {
  test('trusted-keys(): valid and listed passes, valid but unlisted is refused', async () => {
    const fp = sha(`${P}/client1.pem`, 'sha256');
    for (const alg of ['sha1', 'sha256', 'sha512']) {
      const r = await pair({ ...srvCa(), trustedKeys: [sha(`${P}/client1.pem`, alg)] }, cli('client1'));
      expectOk(r.server, `listed ${alg}`);
      if (r.server.ok) assert.equal(r.server.session.peer?.matchedFingerprint, sha(`${P}/client1.pem`, alg));
    }
    const other = await pair({ ...srvCa(), trustedKeys: [fp] }, cli('client2'));
    expectFail(other.server, 'fingerprint_mismatch', 'unlisted');
    // the docs' lower-case spelling never matches (exact comparison)
    const lower = await pair({ ...srvCa(), trustedKeys: [fp.toLowerCase()] }, cli('client1'));
    expectFail(lower.server, 'fingerprint_mismatch', 'lower-case');
    // invalid certificate stays invalid with trusted-keys() even when listed
    const ss = await pair({ ...srvCa(), trustedKeys: [sha(`${P}/selfsigned.pem`, 'sha256')] }, cli('selfsigned'));
    expectFail(ss.server, 'self_signed', 'trusted-keys does not rescue');
    // untrusted modes never evaluate the list
    expectOk((await pair({ ...srvCa(), peerVerify: 'required-untrusted', trustedKeys: [fp] }, cli('client2'))).server, 'untrusted mode');
  });

  test('trusted-fingerprints(): rescues an invalid leaf at depth 0 only', async () => {
    logs.length = 0;
    const ssFp = sha(`${P}/selfsigned.pem`, 'sha256');
    const r = await pair({ ...srvCa(), trustedKeys: [ssFp], trustedFingerprintsMode: true, trustedDn: ['CN=nothing-matches'] }, cli('selfsigned'));
    expectOk(r.server, 'self-signed pinned');
    if (r.server.ok) assert.equal(r.server.session.peer?.matchedFingerprint, ssFp);
    assert.ok(logs.some((l) => l.text === 'Certificate invalid, but accepting due to being present on trusted-fingerprints()'));
    const exp = await pair({ ...srvCa(), trustedKeys: [sha(`${P}/expired.pem`, 'sha256')], trustedFingerprintsMode: true }, cli('expired'));
    expectOk(exp.server, 'expired pinned');
    // the rogue chain fails at depth 1 (self-signed CA2 sent along): the pin cannot help
    const rogue = await pair(
      { ...srvCa(), trustedKeys: [sha(`${P}/rogue.pem`, 'sha256')], trustedFingerprintsMode: true },
      { keyFile: `${P}/rogue.key`, certFile: `${P}/rogue-chain.pem`, caDir: `${P}/ca.d` },
    );
    expectFail(rogue.server, 'unknown_ca', 'depth 1 failure');
    const alone = await pair({ ...srvCa(), trustedKeys: [sha(`${P}/rogue.pem`, 'sha256')], trustedFingerprintsMode: true }, cli('rogue'));
    expectOk(alone.server, 'rogue leaf alone is pinned');
  });

  test('trusted-dn(): globs over the syslog-ng DN string', async () => {
    logs.length = 0;
    const opts = { ...srvCa(), trustedDn: ['*, O=ExampleOrg'] };
    expectOk((await pair(opts, cli('client1'))).server, 'O=ExampleOrg');
    const bad = await pair(opts, cli('client2'));
    expectFail(bad.server, 'dn_mismatch', 'O=OtherOrg');
    assert.ok(logs.some((l) => l.text === 'Certificate valid, but DN constraints were not met, rejecting'));
    expectOk((await pair({ ...srvCa(), trustedDn: ['CN=client2, OU=Logging, O=OtherOrg'] }, cli('client2'))).server, 'exact DN');
    // both constraints must hold
    const both = await pair({ ...srvCa(), trustedDn: ['*, O=OtherOrg'], trustedKeys: [sha(`${P}/client1.pem`, 'sha256')] }, cli('client1'));
    expectFail(both.server, 'dn_mismatch', 'fingerprint ok but DN not');
    // the rogue client's DN matches, but its CA is not trusted
    expectFail((await pair(opts, cli('rogue'))).server, 'unknown_ca', 'rogue');
  });

  test('crl-dir(): an issuer without CRL is tolerated; a revoked leaf is not', async () => {
    logs.length = 0;
    expectOk((await pair({ ...id('server'), caDir: `${P}/ca.d`, crlDir: `${P}/ca-nocrl.d` }, cli('client1'))).server, 'no CRLs at all');
    assert.ok(logs.some((l) => l.text === 'CRL directory is set but no CRLs found'));
    expectOk((await pair({ ...id('server'), caDir: `${P}/ca.d`, crlDir: `${P}/ca-nocrl.d` }, cli('revoked'))).server, 'revoked but no CRL');
    // intermediate chain: with both CRLs, and with only the root's CRL (intermediate's missing)
    const chain = { keyFile: `${P}/client-int.key`, certFile: `${P}/client-int-chain.pem`, caDir: `${P}/ca.d` };
    expectOk((await pair({ ...id('server'), caDir: `${P}/ca.d`, crlDir: `${P}/ca-int.d` }, chain)).server, 'int chain, all CRLs');
    expectOk((await pair({ ...id('server'), caDir: `${P}/ca.d`, crlDir: `${P}/ca.d` }, chain)).server, 'int chain, root CRL only');
    const rev = await pair({ ...id('server'), caDir: `${P}/ca.d`, crlDir: `${P}/ca.d` }, cli('revoked'));
    expectFail(rev.server, 'revoked', 'revoked');
    if (!rev.server.ok) assert.match(rev.server.failure.message, /revoked: listed in .*c6977aa4\.r0|revoked: listed in/);
  });

  test('non-CA certificate used as an intermediate is refused', async () => {
    logs.length = 0;
    const r = await pair(srvCa(), { keyFile: `${P}/client2.key`, certFile: `${P}/under-chain.pem`, caDir: `${P}/ca.d` });
    expectFail(r.server, 'invalid_ca_in_chain', 'non-CA intermediate');
    // an issuer whose keyUsage lacks keyCertSign is not even considered an issuer (OpenSSL's check_issued)
    const ku = await pair(srvCa(), { keyFile: `${P}/client2.key`, certFile: `${P}/under-c1-chain.pem`, caDir: `${P}/ca.d` });
    expectFail(ku.server, 'unknown_ca', 'keyUsage without keyCertSign');
  });

  test('ssl-options(ignore-validity-period) accepts expired and not-yet-valid certificates', async () => {
    for (const c of ['expired', 'notyet']) {
      logs.length = 0;
      expectOk((await pair({ ...srvCa(), sslOptions: ['ignore-validity-period'] }, cli(c))).server, c);
      assert.ok(logs.some((l) => l.text.startsWith('Ignoring not yet valid / expired certificate error')));
    }
  });

  test('ca-dir(): a CA file not named <hash>.0 is not trusted', async () => {
    const d = join(P, 'misnamed.d');
    mkdirSync(d, { recursive: true });
    copyFileSync(`${P}/ca.pem`, join(d, 'ca.pem'));
    copyFileSync(`${P}/ca.pem`, join(d, 'deadbeef.0'));
    const r = await pair({ ...id('server'), peerVerify: 'optional-untrusted' }, { caDir: d }, 'localhost');
    expectFail(r.client, 'unknown_ca', 'misnamed');
    if (!r.client.ok) {
      assert.match(r.client.failure.message, /ca-dir .*misnamed\.d, whose hashed names are none/);
      assert.match(r.client.failure.message, /ca\.pem \(not named <subject-hash>\.<n>\)/);
      assert.match(r.client.failure.message, /deadbeef\.0 \(holds a certificate whose subject hash is c6977aa4/);
      assert.match(r.client.failure.fix, /as c6977aa4\.0/);
    }
  });

  test('pkcs12-file(): identity and CAs from the bundle', async () => {
    const r = await pair({ pkcs12File: `${P}/server.p12` }, { ...id('client1'), caFile: `${P}/ca.pem` }, 'localhost');
    expectOk(r.server, 'server from p12 verifies client1 with the bundle CA');
    expectOk(r.client, 'client verifies the p12 server');
  });

  test('client without certificate to a required-trusted source over TLS 1.2 sees alert certificate required', async () => {
    const r = await pair(srvCa(), { caDir: `${P}/ca.d`, sslOptions: ['no-tlsv13'] });
    expectFail(r.server, 'no_peer_certificate', 'server side');
    expectFail(r.client, 'peer_rejected_us', 'client side');
    if (!r.client.ok) assert.match(r.client.failure.fix, /key-file\(\) and cert-file\(\)/);
  });

  test('a client that does not trust the server: server sees the alert', async () => {
    const r = await pair({ ...id('server-ca2'), peerVerify: 'optional-untrusted' }, { caDir: `${P}/ca.d`, sslOptions: ['no-tlsv13'] });
    expectFail(r.client, 'unknown_ca', 'client rejects');
    assert.equal(r.server.ok, r.server.ok); // server may or may not finish first; only the client verdict is defined
  });
});

describe('intermediate CAs with crl-dir() (OpenSSL checks every level; a level without CRL is tolerated)', () => {
  const srvInt = (crlDir: string): TlsOptions => ({ ...id('server'), caDir: `${P}/ca-int.d`, crlDir });

  test('root + intermediate in ca-dir(), both CRLs in crl-dir(): an intermediate-issued client is accepted with or without its chain', async () => {
    const withChain = await pair(srvInt(`${P}/ca-int.d`), { keyFile: `${P}/client-int.key`, certFile: `${P}/client-int-chain.pem`, caDir: `${P}/ca.d` });
    expectOk(withChain.server, 'chain sent');
    if (withChain.server.ok) assert.equal(withChain.server.session.peer?.cn, 'client-int');
    const leafOnly = await pair(srvInt(`${P}/ca-int.d`), { keyFile: `${P}/client-int.key`, certFile: `${P}/client-int.pem`, caDir: `${P}/ca.d` });
    expectOk(leafOnly.server, 'leaf only');
  });

  test('a revoked leaf under the intermediate is refused as revoked, and the text names the leaf, not the CA', async () => {
    const x = intRevokedPki(P);
    for (const certFile of [x.chain, x.cert]) {
      logs.length = 0;
      const r = await pair(srvInt(x.dir), { keyFile: x.key, certFile, caDir: `${P}/ca.d` });
      expectFail(r.server, 'revoked', certFile);
      if (!r.server.ok) {
        assert.match(r.server.failure.message, /^the client certificate 'CN=client-int-revoked' \(serial [0-9A-F]+\) is revoked: listed in .*, reason Key Compromise/);
        assert.doesNotMatch(r.server.failure.message, /certificate 'CN=Test (Root|Intermediate) CA/);
        assert.equal(r.server.failure.facts?.cn, 'client-int-revoked');
      }
    }
  });

  test('revoked leaf + no CRL for the root: the tolerated last error does not hide the revocation', async () => {
    const x = intRevokedPki(P);
    logs.length = 0;
    const r = await pair(srvInt(x.dirNoRootCrl), { keyFile: x.key, certFile: x.chain, caDir: `${P}/ca.d` });
    expectFail(r.server, 'revoked', 'revoked, root CRL missing');
    // and the same directory accepts a good intermediate client (the missing root CRL is only a notice)
    logs.length = 0;
    const ok = await pair(srvInt(x.dirNoRootCrl), { keyFile: `${P}/client-int.key`, certFile: `${P}/client-int-chain.pem`, caDir: `${P}/ca.d` });
    expectOk(ok.server, 'good client, root CRL missing');
    assert.ok(logs.some((l) => l.text === 'CRL directory is set but no CRLs found'));
  });
});

describe('trusted-fingerprints() vouches for a listed leaf; trusted-keys() only narrows', () => {
  test('a self-signed client listed in trusted-fingerprints() is accepted with the notice and ${.tls.x509_fp}', async () => {
    const fp = sha(`${P}/selfsigned.pem`, 'sha256');
    logs.length = 0;
    const r = await pair({ ...srvCa(), trustedKeys: [fp], trustedFingerprintsMode: true }, cli('selfsigned'));
    expectOk(r.server, 'trusted-fingerprints anchor');
    if (r.server.ok) assert.equal(r.server.session.peer?.matchedFingerprint, fp);
    assert.ok(logs.some((l) => l.text === 'Certificate invalid, but accepting due to being present on trusted-fingerprints()'));
    const narrow = await pair({ ...srvCa(), trustedKeys: [fp], trustedFingerprintsMode: false }, cli('selfsigned'));
    expectFail(narrow.server, 'self_signed', 'trusted-keys only narrows');
    // an unknown intermediate above the listed leaf cannot be rescued
    const rogue = sha(`${P}/rogue.pem`, 'sha256');
    const above = await pair({ ...srvCa(), trustedKeys: [rogue], trustedFingerprintsMode: true }, { keyFile: `${P}/rogue.key`, certFile: `${P}/rogue-chain.pem`, caDir: `${P}/ca.d` });
    expectFail(above.server, 'unknown_ca', 'failure above depth 0');
  });
});

test('a refused handshake logs one diagnostic line, without the raw OpenSSL error before it', async () => {
  // an OpenSSL-level failure (no client certificate) and a verdict (untrusted CA)
  for (const [client, reason] of [[{ caDir: `${P}/ca.d` }, 'no_peer_certificate'], [cli('rogue'), 'unknown_ca']] as const) {
    logs.length = 0;
    const r = await pair(srvCa(), client);
    expectFail(r.server, reason, reason);
    assert.deepEqual(logs.filter((l) => /^SSL error/.test(l.text)).map((l) => l.tags), [], 'no raw SSL error line');
    const failed = logs.filter((l) => l.text === 'TLS handshake failed' && l.tags.location === 'test.conf:1:1');
    assert.equal(failed.length, 1, 'one TLS handshake failed line on the server side');
  }
});
