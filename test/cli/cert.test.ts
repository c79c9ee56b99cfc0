/**
 * The `logferry cert` command as a user meets it: each --help equals its
 * block in docs/cli.md, usage errors exit 2 and failures exit 1 with one
 * sentence (no stack), files land where the interface says with private
 * keys, and `fingerprint` prints the string trusted-keys() matches.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { allCertHelp, runCert } from '../../src/cli/cert.ts';
import { UsageError } from '../../src/cli/args.ts';
import { matchFingerprint, parseFingerprints } from '../../src/tls/fingerprint.ts';
import { pemBlocks } from '../../src/tls/x509/pem.ts';
import { REPO_ROOT, skipUnlessPeers, tempDir } from '../helpers/peers.ts';
import { cert, certOk, openssl } from './cert-helpers.ts';
import { documentedHelp } from '../helpers/cli-doc.ts';

test('each cert subcommand prints exactly the --help docs/cli.md shows', () => {
  const helps = allCertHelp();
  assert.equal(helps.length, 7, 'cert and its six subcommands');
  for (const h of helps) {
    const words = h.words.split(' ').slice(1);
    const r = cert(...words.slice(1), '--help');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, h.text, `${h.words} --help`);
    assert.equal(documentedHelp(h.words), r.stdout, `docs/cli.md block for '${h.words}' differs from its --help`);
  }
  // the same text for the kinds of issue, and for -h
  assert.equal(cert('issue', 'server', '--help').stdout, cert('issue', '-h').stdout);
});

test('usage errors exit 2 and failures exit 1, each with one sentence and no stack trace', (t) => {
  const tmp = tempDir('lf-cert-cli');
  t.after(() => tmp.remove());
  const dir = join(tmp.path, 'pki');
  const usage: string[][] = [
    ['bogus'],
    ['issue', 'server', dir],
    ['issue', 'router', dir, '--cn', 'x'],
    ['issue', 'server', dir, '--cn', 'x', '--san', 'URI:http://x'],
    ['issue', 'server', dir, '--cn', '../escape'],
    ['init-ca', dir, '--key', 'dsa'],
    ['init-ca', dir, '--days', '0'],
    ['init-ca'],
    ['fingerprint', 'a', 'b'],
    [],
  ];
  // every case in-process (a process start costs a second here), a few through the real command
  for (const args of usage) assert.throws(() => runCert(args), UsageError, args.join(' '));
  for (const args of [usage[0], usage[1], usage[3]]) {
    const r = cert(...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^logferry cert: .+\nTry 'logferry cert --help'\.\n$/, args.join(' '));
  }
  certOk('init-ca', dir);
  const failures: Array<[string[], RegExp]> = [
    [['init-ca', dir], /already holds a CA .*; choose an empty directory/],
    [['issue', 'client', join(tmp.path, 'none'), '--cn', 'x'], /holds no CA \(ca\.pem is missing\); make one with 'logferry cert init-ca/],
    [['issue', 'client', dir, '--cn', 'x', '--issuer', 'nope'], /does not exist; make the intermediate with/],
    [['revoke', dir, join(tmp.path, 'missing.pem')], /cannot be read .*; give the certificate file to revoke/],
    [['fingerprint', join(dir, 'ca.key')], /holds no certificate; give the PEM certificate file/],
    [['inspect', join(tmp.path, 'nothing')], /does not exist; give a certificate file or a CA directory/],
  ];
  for (const [args, re] of failures) {
    assert.throws(() => runCert(args), (e: Error) => !(e instanceof UsageError) && re.test(e.message), args.join(' '));
  }
  for (const [args, re] of [failures[0], failures[4]]) {
    const r = cert(...args);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
  }
});

test('init-ca and issue write the interface\'s files, keys mode 600, ca.d/<subject-hash>.0 as openssl names it', { skip: skipUnlessPeers('openssl') }, (t) => {
  const tmp = tempDir('lf-cert-files');
  t.after(() => tmp.remove());
  const dir = join(tmp.path, 'pki');
  const init = certOk('init-ca', dir, '--cn', 'Files CA', '--days', '10');
  const hash = openssl(['x509', '-noout', '-subject_hash', '-in', join(dir, 'ca.pem')]).stdout.trim();
  assert.match(init.stdout, new RegExp(`ca\\.d/${hash}\\.0 -> ca\\.pem`));
  assert.deepEqual(readdirSync(join(dir, 'ca.d')).sort(), [`${hash}.0`, 'ca.pem'].sort());
  certOk('issue', 'server', dir, '--cn', 'logs.example.com', '--san', 'DNS:logs,IP:192.0.2.1');
  certOk('issue', 'client', dir, '--cn', 'sender-1', '--key', 'rsa');
  for (const f of ['ca.key', 'logs.example.com.key', 'sender-1.key']) assert.equal(statSync(join(dir, f)).mode & 0o777, 0o600, f);
  for (const f of ['ca.pem', 'logs.example.com.pem', 'sender-1.pem']) assert.equal(statSync(join(dir, f)).mode & 0o777, 0o644, f);
  const ca = openssl(['x509', '-noout', '-enddate', '-in', join(dir, 'ca.pem')]).stdout;
  const days = (new Date(ca.replace('notAfter=', '').trim()).getTime() - Date.now()) / 86_400_000;
  assert.ok(days > 9.9 && days <= 10, `--days 10 gives ${days}`);
  const r = certOk('revoke', dir, 'sender-1');
  assert.match(r.stdout, new RegExp(`ca\\.d/${hash}\\.r0 -> ca\\.crl`));
  assert.equal(cert('inspect', dir).code, 1, 'a revoked certificate is a problem');
});

test('fingerprint prints the string trusted-keys() takes, SHA-256 or --sha1, equal to openssl\'s digest', { skip: skipUnlessPeers('openssl') }, (t) => {
  const tmp = tempDir('lf-cert-fp');
  t.after(() => tmp.remove());
  const dir = join(tmp.path, 'pki');
  certOk('init-ca', dir);
  certOk('issue', 'client', dir, '--cn', 'fp');
  const file = join(dir, 'fp.pem');
  for (const [flag, alg] of [[[], 'sha256'], [['--sha1'], 'sha1']] as const) {
    const ours = certOk('fingerprint', file, ...flag).stdout;
    const theirs = openssl(['x509', '-noout', '-fingerprint', `-${alg}`, '-in', file]).stdout.trim().split('=')[1];
    assert.equal(ours, `${alg.toUpperCase()}:${theirs}\n`);
    const der = pemBlocks(readFileSync(file, 'latin1'))[0].der;
    assert.equal(matchFingerprint(der, parseFingerprints([ours.trim()])), ours.trim(), 'trusted-keys() matches it');
  }
});
