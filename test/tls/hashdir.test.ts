/**
 * ca-dir() reading keeps OpenSSL's visibility rule, and reports a file OpenSSL
 * cannot reach, but not one a `<hash>.N` link leads to: `openssl rehash` and
 * `logferry cert` keep the certificate under its own name beside the link.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readCaDir } from '../../src/tls/hashdir.ts';
import { initCa } from '../../src/pki/store.ts';
import { tempDir } from '../helpers/peers.ts';

test('a CA file reached through its <hash>.0 link is used and not reported; an unlinked copy is reported', (t) => {
  const tmp = tempDir('lf-hashdir');
  t.after(() => tmp.remove());
  const pki = join(tmp.path, 'pki');
  initCa(pki, {});
  const caD = join(pki, 'ca.d');
  const linked = readCaDir(caD);
  assert.equal(linked.items.length, 1);
  assert.deepEqual(linked.ignored, [], 'ca.pem is what <hash>.0 links to');
  assert.ok(readdirSync(caD).includes('ca.pem'));

  const copies = join(tmp.path, 'copies');
  mkdirSync(copies);
  copyFileSync(join(pki, 'ca.pem'), join(copies, 'ca.pem'));
  copyFileSync(join(pki, 'ca.pem'), join(copies, linked.used[0]));
  const copied = readCaDir(copies);
  assert.equal(copied.items.length, 1);
  assert.deepEqual(copied.ignored, [{ file: 'ca.pem', why: 'not named <subject-hash>.<n>' }]);
});
