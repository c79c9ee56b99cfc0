import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { parseCert } from '../../src/tls/x509/cert.ts';
import { parseCrl } from '../../src/tls/x509/crl.ts';
import { pemBlocks } from '../../src/tls/x509/pem.ts';
import { matchDnGlob } from '../../src/tls/dn-glob.ts';
import { openssl, opensslCert, pki, tempDir } from './helpers.ts';

const SUBJECTS: Array<[string, string, { utf8?: boolean; multi?: boolean; mask?: string }]> = [
  ['plain', '/C=HU/ST=Budapest/O=Example Inc/CN=host1', {}],
  ['spaces', '/O=  Mixed   CASE  Org /CN=Host\tName', {}],
  ['utf8', '/O=Árvíztűrő Tükörfúrógép/CN=ÉKEZET Név', { utf8: true, mask: 'utf8only' }],
  ['multi', '/O=Acme/CN=client1+OU=Ops', { multi: true }],
  ['escapes', '/O=a\\,b\\+c;d<e>f"q\\\\/CN= lead#', {}],
  ['email', '/emailAddress=Admin@Example.COM/CN=mail', {}],
  ['dc', '/DC=com/DC=example/UID=u1/CN=x', {}],
  ['bmp', '/O=Wide Org/CN=wide', { mask: 'nombstr' }],
];

test('nameHash equals `openssl x509 -hash` (canonical subject encoding)', (t) => {
  const dir = tempDir(t);
  const P = pki();
  const files = SUBJECTS.map(([n, s, o]) => opensslCert(dir, n, s, o));
  for (const f of ['ca.pem', 'ca2.pem', 'int-ca.pem', 'client1.pem', 'server.pem']) files.push(`${P}/${f}`);
  for (const f of files) {
    const c = parseCert(readFileSync(f));
    assert.equal(c.subjectHash, openssl(['x509', '-noout', '-hash', '-in', f]), `subject hash of ${f}`);
    assert.equal(c.issuerHash, openssl(['x509', '-noout', '-issuer_hash', '-in', f]), `issuer hash of ${f}`);
  }
});

test('CRL issuer hash equals `openssl crl -hash`', () => {
  const P = pki();
  for (const f of ['crl.pem', 'int-crl.pem']) {
    const [b] = pemBlocks(readFileSync(`${P}/${f}`, 'latin1'));
    const crl = parseCrl(b.der, f);
    assert.equal(crl.issuerHash, openssl(['crl', '-noout', '-hash', '-in', `${P}/${f}`]));
  }
  // and mkcerts.sh's hashed names agree with ours
  for (const f of readdirSync(`${P}/ca-int.d`).filter((n) => n.endsWith('.0'))) {
    assert.equal(parseCert(readFileSync(`${P}/ca-int.d/${f}`)).subjectHash + '.0', f);
  }
});

test('formatDn prints like X509_NAME_print_ex with syslog-ng flags', (t) => {
  const dir = tempDir(t);
  for (const [n, s, o] of SUBJECTS) {
    const f = opensslCert(dir, `fmt-${n}`, s, o);
    const want = openssl(['x509', '-noout', '-subject', '-nameopt', 'esc_2253,utf8,sep_comma_plus_space,dn_rev,sname', '-in', f]).replace(/^subject=/, '');
    assert.equal(parseCert(readFileSync(f)).subjectDn, want, n);
  }
  const f = opensslCert(dir, 'spec', '/C=HU/ST=Budapest/O=Example Inc/CN=host1');
  assert.equal(parseCert(readFileSync(f)).subjectDn, 'CN=host1, O=Example Inc, ST=Budapest, C=HU');
});

test('trusted-dn() glob', () => {
  const dn = 'CN=client1, OU=Logging, O=ExampleOrg';
  const table: Array<[string, string, boolean]> = [
    ['*', dn, true],
    ['CN=client1, OU=Logging, O=ExampleOrg', dn, true],
    ['CN=client1*', dn, true],
    ['*, O=ExampleOrg', dn, true],
    ['*O=ExampleOrg', dn, true],
    ['CN=client?, OU=*, O=ExampleOrg', dn, true],
    ['cn=client1*', dn, false],
    ['CN=client1', dn, false],
    ['*, O=Example', dn, false],
    ['*, O=Example Inc, ST=Some-State, C=*', 'CN=a, O=Example Inc, ST=Some-State, C=HU', true],
    ['*, O=Example Inc, ST=Some-State, C=*', 'O=Example Inc, ST=Some-State, C=HU', false],
    ['CN=??', 'CN=ÁÉ', true],
    ['', '', true],
    ['a*b*c', 'axxbyyc', true],
    ['a*b*c', 'axxbyy', false],
  ];
  for (const [p, s, want] of table) assert.equal(matchDnGlob(p, s), want, `'${p}' vs '${s}'`);
});
