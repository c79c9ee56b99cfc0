/**
 * `cert inspect` agrees with `openssl verify -CApath ca.d -crl_check -purpose
 * sslclient` on a set with one good, one expired, one revoked and one
 * wrong-EKU certificate (built through the engine's API with past validity
 * windows, not by waiting), and names the other faults in plain words: not
 * yet valid, key mismatch, broken chain, unhashed CA dir, stale CRL.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, chmodSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { initCa, issue, revoke } from '../../src/pki/store.ts';
import { inspect, type Finding } from '../../src/pki/inspect.ts';
import { skipUnlessPeers, tempDir } from '../helpers/peers.ts';
import { cert, openssl } from '../cli/cert-helpers.ts';
import { DAY } from './helpers.ts';

const SKIP = skipUnlessPeers('openssl');
const CODE_SIGNING = '1.3.6.1.5.5.7.3.3';

/** `crl`: with -crl_check (which fails for want of a CRL when the CA has none yet) */
function verify(dir: string, file: string, crl = true): { ok: boolean; text: string } {
  const r = openssl(['verify', '-CApath', join(dir, 'ca.d'), ...(crl ? ['-crl_check'] : []), '-purpose', 'sslclient', join(dir, file)]);
  return { ok: r.code === 0, text: r.stdout + r.stderr };
}

const problems = (f: Finding[]) => f.filter((x) => x.problem);

test('inspect and openssl verify agree on good, expired, revoked and wrong-EKU certificates', { skip: SKIP }, (t) => {
  const tmp = tempDir('lf-inspect');
  t.after(() => tmp.remove());
  const dir = tmp.path;
  const now = Date.now();
  initCa(dir, { cn: 'Inspect CA' });
  issue(dir, 'client', { cn: 'good' });
  issue(dir, 'client', { cn: 'expired', notBefore: new Date(now - 40 * DAY), notAfter: new Date(now - 10 * DAY) });
  issue(dir, 'client', { cn: 'revoked' });
  issue(dir, 'client', { cn: 'wrong-eku', eku: [CODE_SIGNING] });
  revoke(dir, join(dir, 'revoked.pem'));

  const expect: Record<string, { openssl: RegExp | null; ours: RegExp | null }> = {
    good: { openssl: null, ours: null },
    expired: { openssl: /certificate has expired/, ours: /^expired on \d{4}-\d\d-\d\d/ },
    revoked: { openssl: /certificate revoked/, ours: /^revoked: serial [0-9A-F]+ is listed/ },
    'wrong-eku': { openssl: /error 26 at 0 depth lookup: unsuitable certificate purpose/, ours: /^wrong EKU: .*code signing only/ },
  };
  for (const [name, e] of Object.entries(expect)) {
    const v = verify(dir, `${name}.pem`);
    const ours = problems(inspect(join(dir, `${name}.pem`)));
    assert.equal(v.ok, e.openssl === null, `openssl on ${name}: ${v.text}`);
    assert.equal(ours.length === 0, v.ok, `inspect and openssl disagree on ${name}: ${JSON.stringify(ours)} / ${v.text}`);
    if (e.openssl) assert.match(v.text, e.openssl);
    if (e.ours) {
      assert.equal(ours.length, 1, JSON.stringify(ours));
      assert.match(ours[0].text, e.ours);
    }
  }
  // the whole directory: exactly the three bad ones, and the command says so with exit status 1
  const all = problems(inspect(dir)).map((f) => f.file).sort();
  assert.deepEqual(all, ['expired.pem', 'revoked.pem', 'wrong-eku.pem']);
  const cli = cert('inspect', dir);
  assert.equal(cli.code, 1, cli.stdout + cli.stderr);
  assert.match(cli.stdout, /^good\.pem: ok: client 'CN=good'/m);
  assert.match(cli.stdout, /^3 problems found$/m);
  assert.equal(cert('inspect', join(dir, 'good.pem')).code, 0);
});

test('inspect names a not yet valid certificate, a key mismatch, a readable key and a broken chain', { skip: SKIP }, (t) => {
  const tmp = tempDir('lf-inspect-faults');
  t.after(() => tmp.remove());
  const dir = join(tmp.path, 'ca');
  const other = join(tmp.path, 'other');
  const now = Date.now();
  initCa(dir);
  initCa(other, { cn: 'Other CA' });
  issue(dir, 'client', { cn: 'future', notBefore: new Date(now + 5 * DAY), notAfter: new Date(now + 50 * DAY) });
  issue(dir, 'client', { cn: 'a' });
  issue(dir, 'client', { cn: 'b' });
  issue(other, 'client', { cn: 'stranger' });

  const future = verify(dir, 'future.pem', false);
  assert.match(future.text, /certificate is not yet valid/);
  assert.match(problems(inspect(join(dir, 'future.pem')))[0].text, /^not yet valid: valid from /);

  copyFileSync(join(dir, 'b.key'), join(dir, 'a.key'));
  assert.match(problems(inspect(join(dir, 'a.pem')))[0].text, /^key mismatch: a\.key does not belong to this certificate/);
  chmodSync(join(dir, 'b.key'), 0o644);
  assert.match(problems(inspect(join(dir, 'b.pem')))[0].text, /^b\.key can be read by other users \(mode 644\); run chmod 600 b\.key$/);

  copyFileSync(join(other, 'stranger.pem'), join(dir, 'stranger.pem'));
  assert.match(verify(dir, 'stranger.pem', false).text, /unable to get local issuer certificate/);
  assert.match(problems(inspect(join(dir, 'stranger.pem')))[0].text, /^broken chain: no CA in ca\.d issued it \(issuer 'CN=Other CA', hash [0-9a-f]{8}\)/);
});

test('inspect finds an unhashed CA dir and a stale CRL, as openssl fails on them', { skip: SKIP }, (t) => {
  const tmp = tempDir('lf-inspect-dir');
  t.after(() => tmp.remove());
  const dir = tmp.path;
  const now = Date.now();
  initCa(dir);
  issue(dir, 'client', { cn: 'c' });
  assert.deepEqual(problems(inspect(dir)), [], 'a fresh CA directory is clean');

  // a CRL whose next update has passed: openssl refuses every certificate of that CA
  revoke(dir, undefined, { now: new Date(now - 40 * DAY) });
  assert.match(verify(dir, 'c.pem').text, /CRL has expired/);
  const stale = problems(inspect(dir));
  assert.ok(stale.some((f) => f.file === 'crl.pem' && /^stale CRL: its next update was due on /.test(f.text)), JSON.stringify(stale));
  revoke(dir, undefined);
  assert.ok(verify(dir, 'c.pem').ok, 're-signing fixes it');
  assert.deepEqual(problems(inspect(dir)), []);

  // the CA's hash link removed: openssl no longer finds the issuer, inspect says why
  const link = readdirSync(join(dir, 'ca.d')).find((n) => /^[0-9a-f]{8}\.0$/.test(n))!;
  unlinkSync(join(dir, 'ca.d', link));
  assert.match(verify(dir, 'c.pem').text, /unable to get local issuer certificate/);
  const unhashed = problems(inspect(dir));
  assert.ok(unhashed.some((f) => f.file === 'ca.d/ca.pem' && f.text.startsWith(`unhashed CA dir: no ${link.slice(0, 8)}.N name in ca.d reaches this certificate`)), JSON.stringify(unhashed));
  const fixed = cert('rehash', join(dir, 'ca.d'));
  assert.equal(fixed.code, 0, fixed.stderr);
  assert.match(fixed.stdout, new RegExp(`^link ${link} -> ca\\.pem$`, 'm'));
  assert.deepEqual(problems(inspect(dir)), []);
});
