/**
 * `logferry cert rehash` against `openssl rehash` itself: two copies of the same
 * awkward directory (hash collisions, a duplicate, a chain file, a key, a CRL,
 * an upper-case extension, a dangling and a mis-numbered link, a plain file
 * squatting on a hash name, a symlinked duplicate) must end up with the same
 * names pointing at the same targets, on a first run and after changes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, lstatSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { rehash } from '../../src/pki/rehash.ts';
import { buildCrl } from '../../src/pki/build-crl.ts';
import { parseCert } from '../../src/tls/x509/cert.ts';
import { toPem } from '../../src/tls/x509/pem.ts';
import { skipUnlessPeers, tempDir } from '../helpers/peers.ts';
import { openssl } from '../cli/cert-helpers.ts';
import { DAY, make, writePem } from './helpers.ts';

/** name → 'file' or '-> target', the state both tools must agree on */
function listing(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of readdirSync(dir).sort()) out[n] = lstatSync(join(dir, n)).isSymbolicLink() ? `-> ${readlinkSync(join(dir, n))}` : 'file';
  return out;
}

function opensslRehash(dir: string): void {
  const r = openssl(['rehash', dir]);
  assert.ok(r.code !== null, 'openssl rehash ran');
}

test('rehash names files exactly as openssl rehash does, on a first run and after changes', { skip: skipUnlessPeers('openssl') }, (t) => {
  const tmp = tempDir('lf-rehash');
  t.after(() => tmp.remove());
  const base = join(tmp.path, 'base');
  mkdirSync(base);

  const same1 = make('Same Name CA');
  const same2 = make('Same Name CA');
  const other = make('Other CA');
  const upper = make('Upper CA');
  const leaf = make('leaf', 'client', other);
  writePem(join(base, 'a.pem'), same1.der);
  writePem(join(base, 'b.pem'), same2.der);
  writePem(join(base, 'c.crt'), other.der);
  writePem(join(base, 'dup.pem'), same1.der);
  writePem(join(base, 'chain.pem'), leaf.der, other.der);
  writePem(join(base, 'upper.PEM'), upper.der);
  writeFileSync(join(base, 'key.pem'), same1.key.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(join(base, 'notes.txt'), 'not a certificate\n');
  const now = new Date();
  const crl = buildCrl({ issuer: same1.x509, issuerKey: same1.key, previous: [], add: [], number: 1n, thisUpdate: now, nextUpdate: new Date(now.getTime() + DAY) });
  writeFileSync(join(base, 'same.crl'), toPem('X509 CRL', crl));
  const otherHash = parseCert(other.der).subjectHash;
  const upperHash = parseCert(upper.der).subjectHash;
  symlinkSync('gone.pem', join(base, 'deadbeef.0'));
  symlinkSync('c.crt', join(base, `${otherHash}.3`));
  copyFileSync(join(base, 'upper.PEM'), join(base, `${upperHash}.0`));
  symlinkSync('a.pem', join(base, 'zz-link.pem'));

  const ours = join(tmp.path, 'ours');
  const theirs = join(tmp.path, 'theirs');
  cpSync(base, ours, { recursive: true, verbatimSymlinks: true });
  cpSync(base, theirs, { recursive: true, verbatimSymlinks: true });
  const r = rehash(ours);
  opensslRehash(theirs);
  assert.deepEqual(listing(ours), listing(theirs));
  const sameHash = parseCert(same1.der).subjectHash;
  assert.equal(listing(ours)[`${sameHash}.1`], '-> b.pem', 'a hash collision takes the next number');
  assert.equal(listing(ours)[`${sameHash}.r0`], '-> same.crl');
  assert.ok(r.warnings.some((w) => w.includes('duplicate')) && r.warnings.some((w) => w.includes('chain.pem')), r.warnings.join('\n'));
  assert.ok(r.removed.includes('deadbeef.0'), 'the dangling link it owns is removed');

  // second round: one of the colliding certificates goes, a new one comes
  for (const d of [ours, theirs]) {
    rmSync(join(d, 'a.pem'));
    writePem(join(d, 'd.pem'), make('Same Name CA').der);
  }
  rehash(ours);
  opensslRehash(theirs);
  assert.deepEqual(listing(ours), listing(theirs));
  // and a run with nothing to change changes nothing
  const before = listing(ours);
  rehash(ours);
  assert.deepEqual(listing(ours), before);
});
