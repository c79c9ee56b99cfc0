/**
 * The suite's own guard rails: a missing reference peer fails the run (it is never a silent skip),
 * the peers the README's test command installs are all here, the exact-count helpers notice a
 * duplicate, and nothing the project runs reaches outside the repository.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  isCi, missingPeers, missingPeersMessage, peerSkip, peersScript, REPO_ROOT, requirePeers, tempDir, waitForMarkerLine,
} from './peers.ts';
import type { PeerName } from './peers.ts';
import { groupBySync } from '../interop/lib/records.ts';

const ALL: PeerName[] = ['syslog-ng', 'loggen', 'openssl', 'iconv', 'rsyslog', 'rsyslog-ossl', 'rsyslog-gtls'];

test('peer lookup: an empty PATH finds nothing, and the message names each tool and the installer', (t) => {
  const d = tempDir('lf-peers-empty');
  t.after(() => d.remove());
  const where = { path: d.path, extraDirs: [], rsyslogRoots: [d.path] };
  assert.deepEqual(missingPeers(ALL, where), ALL);
  const msg = missingPeersMessage(missingPeers(['syslog-ng', 'rsyslog-ossl', 'iconv'], where));
  for (const s of ['syslog-ng', 'lmnsd_ossl.so', 'iconv', 'libc-bin', 'scripts/install-peers.sh']) assert.ok(msg.includes(s), `${s} in: ${msg}`);
});

test('peer lookup: fake programs on PATH and a fake rsyslog tree are found; a missing driver is not', (t) => {
  const d = tempDir('lf-peers-fake');
  t.after(() => d.remove());
  const bin = join(d.path, 'bin');
  mkdirSync(bin);
  for (const p of ['syslog-ng', 'loggen', 'openssl', 'iconv']) {
    writeFileSync(join(bin, p), '#!/bin/sh\n');
    chmodSync(join(bin, p), 0o755);
  }
  const root = join(d.path, 'rs');
  mkdirSync(join(root, 'usr', 'sbin'), { recursive: true });
  writeFileSync(join(root, 'usr', 'sbin', 'rsyslogd'), '#!/bin/sh\n');
  chmodSync(join(root, 'usr', 'sbin', 'rsyslogd'), 0o755);
  const mods = join(root, 'usr', 'lib', 'x86_64-linux-gnu', 'rsyslog');
  mkdirSync(mods, { recursive: true });
  for (const m of ['imtcp.so', 'lmnsd_ossl.so']) writeFileSync(join(mods, m), '');
  const saved = process.env.RSYSLOGD;
  delete process.env.RSYSLOGD; // an override would hide the fake tree
  t.after(() => {
    if (saved !== undefined) process.env.RSYSLOGD = saved;
  });
  assert.deepEqual(missingPeers(ALL, { path: bin, extraDirs: [], rsyslogRoots: [root] }), ['rsyslog-gtls']);
  // a file that is there but not executable does not count
  chmodSync(join(bin, 'loggen'), 0o644);
  assert.deepEqual(missingPeers(['loggen'], { path: bin, extraDirs: [] }), ['loggen']);
});

test('a missing peer is a skip only after an explicit LOGFERRY_SKIP_INTEROP=1, and never under CI', (t) => {
  const d = tempDir('lf-peers-skip');
  t.after(() => d.remove());
  const nothing = { path: d.path, extraDirs: [], rsyslogRoots: [d.path] };
  assert.equal(peerSkip(['syslog-ng'], {}, nothing), false, 'default: the test runs (and fails)');
  assert.equal(peerSkip(['syslog-ng'], { CI: 'true', LOGFERRY_SKIP_INTEROP: '1' }, nothing), false, 'CI ignores the opt-out');
  const reason = peerSkip(['syslog-ng', 'openssl'], { LOGFERRY_SKIP_INTEROP: '1' }, nothing);
  assert.equal(reason, 'LOGFERRY_SKIP_INTEROP=1 and syslog-ng, openssl not installed');
  assert.equal(isCi({ CI: 'false' }), false);
  assert.equal(isCi({ CI: '1' }), true);
});

test('every reference peer the suite runs is installed (scripts/install-peers.sh)', () => {
  // the gate: under the README's test command a machine without them fails here, by name
  requirePeers('syslog-ng', 'loggen', 'openssl', 'iconv', 'rsyslog', 'rsyslog-ossl');
  assert.ok(statSync(peersScript('mkcerts.sh')).isFile());
});

test('waitForMarkerLine counts a duplicated line; a repeated sync record is an error', async (t) => {
  const d = tempDir('lf-peers-marker');
  t.after(() => d.remove());
  const f = join(d.path, 'out.log');
  writeFileSync(f, 'm0\nm1\nm1\nEND-MARK');
  const pending = waitForMarkerLine(f, 'END-MARK', 5000);
  appendFileSync(f, '\nlate\n'); // the marker's line is complete only now
  assert.deepEqual(await pending, ['m0', 'm1', 'm1', 'END-MARK']);
  const sync = (s: string): string | undefined => (s.startsWith('SYNC-') ? s.slice(5) : undefined);
  assert.deepEqual([...groupBySync(['a', 'SYNC-1', 'b', 'SYNC-2'], sync).groups.keys()], ['1', '2']);
  assert.throws(() => groupBySync(['a', 'SYNC-1', 'a', 'SYNC-1'], sync), /sync 1 arrived twice/);
});

test('nothing in src/, test/, scripts/, bench/ points outside the repository', () => {
  // built from pieces so this file does not match itself
  const forbidden = ['..' + '/shared', '/wo' + 'rk/'];
  const hits: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|js|sh|json|md|conf|cnf)$/.test(e.name)) {
        const text = readFileSync(p, 'utf8');
        for (const f of forbidden) if (text.includes(f)) hits.push(`${p.slice(REPO_ROOT.length + 1)}: ${f}`);
      }
    }
  };
  for (const top of ['src', 'test', 'scripts', 'bench', '.ci']) walk(join(REPO_ROOT, top));
  assert.deepEqual(hits, []);
});
