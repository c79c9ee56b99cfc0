/** tls() blocks compile into the typed TlsOptions the tls layer takes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseConfigText } from '../../src/config/index.ts';
import type { DriverDecl } from '../../src/config/plan.ts';
import type { TlsOptions } from '../../src/tls/types.ts';

/** what compile made of the driver's tls() block (its settings carry it) */
function tlsOf(d: DriverDecl): TlsOptions {
  assert.equal(d.settings.kind, 'network-destination');
  const tls = d.settings.kind === 'network-destination' ? d.settings.tls : undefined;
  assert.ok(tls);
  return tls;
}

test('every written tls() option reaches TlsOptions under its typed name', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lf-tlsblock-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  for (const f of ['c.pem', 'k.pem', 'ca.pem']) fs.writeFileSync(path.join(dir, f), 'x');
  const plan = parseConfigText(
    `@version: 4.27
destination d { syslog("h" transport(tls) tls(
  peer-verify(optional-trusted) ca-dir("${dir}/ca.d") ca-file("${dir}/ca.pem") cert-file("${dir}/c.pem") key-file("${dir}/k.pem")
  crl-dir("${dir}/crl.d") trusted-fingerprints("SHA256:AA:BB") trusted-dn("*, O=Example")
  cipher-suite(tls12-and-older("ECDHE-RSA-AES128-GCM-SHA256") tls13("TLS_AES_128_GCM_SHA256"))
  ecdh-curve-list("prime256v1") sigalgs("RSA-PSS+SHA256") ssl-options(no-sslv3, no-tlsv1) ssl-version(tlsv1_2)
  sni(yes) extended-key-usage-verify(yes)
)); };
`,
    'tls.conf',
  );
  const d = plan.destinations.get('d')!.drivers[0];
  const o = tlsOf(d);
  assert.equal(o.peerVerify, 'optional-trusted');
  assert.equal(o.caDir, `${dir}/ca.d`);
  assert.equal(o.caFile, `${dir}/ca.pem`);
  assert.equal(o.certFile, `${dir}/c.pem`);
  assert.equal(o.keyFile, `${dir}/k.pem`);
  assert.equal(o.crlDir, `${dir}/crl.d`);
  assert.deepEqual(o.trustedKeys, ['SHA256:AA:BB']);
  assert.equal(o.trustedFingerprintsMode, true, 'trusted-fingerprints() is a trust anchor in AxoSyslog 4.27');
  assert.deepEqual(o.trustedDn, ['*, O=Example']);
  assert.equal(o.cipherSuiteTls12, 'ECDHE-RSA-AES128-GCM-SHA256');
  assert.equal(o.cipherSuiteTls13, 'TLS_AES_128_GCM_SHA256');
  assert.equal(o.ecdhCurveList, 'prime256v1');
  assert.equal(o.sigalgs, 'RSA-PSS+SHA256');
  assert.deepEqual(o.sslOptions, ['no-sslv3', 'no-tlsv1']);
  assert.equal(o.sslVersion, 'tlsv1-2');
  assert.equal(o.sni, true);
  assert.equal(o.extendedKeyUsageVerify, true);
  assert.equal(o.keylogFile, undefined);
});

test('trusted-keys() only narrows, trusted-fingerprints() vouches; when both are written the later one wins', () => {
  const mode = (tls: string) => {
    const plan = parseConfigText(`@version: 4.27\ndestination d { syslog("h" transport(tls) tls(${tls})); };\n`, 'fp.conf');
    const o = tlsOf(plan.destinations.get('d')!.drivers[0]);
    return [o.trustedKeys, o.trustedFingerprintsMode];
  };
  assert.deepEqual(mode('trusted-keys("SHA1:AA")'), [['SHA1:AA'], false]);
  assert.deepEqual(mode('trusted-fingerprints("SHA1:BB")'), [['SHA1:BB'], true]);
  assert.deepEqual(mode('trusted-keys("SHA1:AA") trusted-fingerprints("SHA1:BB")'), [['SHA1:BB'], true]);
  assert.deepEqual(mode('trusted-fingerprints("SHA1:BB") trusted-keys("SHA1:AA")'), [['SHA1:AA'], false]);
});
