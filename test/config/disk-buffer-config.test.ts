/**
 * disk-buffer() in the config: the forms AxoSyslog 4.27 accepts on
 * network()/syslog()/tcp()/tcp6() destinations (with its aliases and 64-bit
 * sizes) become typed settings; a missing disk-buf-size(), UDP and file()
 * are refused at file:line:col; prealloc(), truncate-size-ratio(),
 * mem-buf-length() and a size under 1MiB warn once each; `-s` says the same.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { assertConfigError, parse } from './helpers.ts';
import { LOGFERRY_MAIN } from '../helpers/daemon.ts';
import { runToExit, tempDir } from '../helpers/peers.ts';
import type { NetworkDestinationSettings } from '../../src/config/settings/index.ts';
import { bufferDirName } from '../../src/destinations/buffer-dir.ts';

/** file:line:col of the first `needle` in line 3 of dest(driver) */
const at = (driver: string, needle: string, file = 'bad.conf') => `${file}:3:${`destination d { ${driver} };`.indexOf(needle) + 1}`;

const dest = (driver: string) => `@version: 4.27\nsource s { internal(); };\ndestination d { ${driver} };\nlog { source(s); destination(d); };\n`;

function settingsOf(text: string): { s: NetworkDestinationSettings; warnings: string[] } {
  const plan = parse(text);
  const s = plan.destinations.get('d')!.drivers[0].settings;
  assert.equal(s.kind, 'network-destination');
  return { s: s as NetworkDestinationSettings, warnings: plan.warnings };
}

test('accepted forms: network(), syslog(), tcp(), tcp6() with every option, AxoSyslog aliases and sizes over 2^31', () => {
  for (const driver of ['network', 'syslog', 'tcp', 'tcp6']) {
    const { s, warnings } = settingsOf(dest(`${driver}("127.0.0.1" port(601) disk-buffer(reliable(yes) disk-buf-size(10GiB) mem-buf-size(2MiB) dir("/var/lib/lf") resend-window-time(0.5) resend-window-bytes(8MiB)));`));
    assert.deepEqual(warnings, [], driver);
    assert.deepEqual({ ...s.diskBuffer }, { reliable: true, diskBufSize: 10 * 1024 ** 3, memBufSize: 2 * 1024 ** 2, dir: '/var/lib/lf', resendWindowTime: 0.5, resendWindowBytes: 8 * 1024 ** 2 }, driver);
  }
  // AxoSyslog 4.x spellings
  const { s } = settingsOf(dest('network("127.0.0.1" disk-buffer(capacity-bytes(2MiB) flow-control-window-bytes(4096)));'));
  assert.equal(s.diskBuffer!.diskBufSize, 2 * 1024 ** 2);
  assert.equal(s.diskBuffer!.memBufSize, 4096);
  assert.equal(s.diskBuffer!.reliable, false, 'reliable(no) by default');
  // TLS too
  const tls = settingsOf(dest('network("127.0.0.1" transport(tls) tls(peer-verify(optional-untrusted)) disk-buffer(disk-buf-size(1GiB)));')).s;
  assert.ok(tls.diskBuffer && tls.tls);
  // no disk-buffer(): none
  assert.equal(settingsOf(dest('network("127.0.0.1");')).s.diskBuffer, undefined);
});

test('refused at file:line:col: no disk-buf-size(), transport(udp), udp(), file(), unknown options, a ratio over 1', () => {
  assertConfigError(dest('network("127.0.0.1" disk-buffer(reliable(yes)));'), at('network("127.0.0.1" disk-buffer(reliable(yes)));', 'disk-buffer('), /disk-buffer\(\) needs disk-buf-size\(\)/);
  assertConfigError(dest('network("127.0.0.1" transport(udp) disk-buffer(disk-buf-size(1GiB)));'), at('network("127.0.0.1" transport(udp) disk-buffer(disk-buf-size(1GiB)));', 'disk-buffer('), /transport\(udp\) is not implemented by logferry yet; use transport\(tcp\) or transport\(tls\)/);
  assertConfigError(dest('udp("127.0.0.1" disk-buffer(disk-buf-size(1GiB)));'), at('udp("127.0.0.1" disk-buffer(disk-buf-size(1GiB)));', 'disk-buffer('), /transport\(udp\)/);
  assertConfigError(dest('file("/tmp/x" disk-buffer(disk-buf-size(1GiB)));'), at('file("/tmp/x" disk-buffer(disk-buf-size(1GiB)));', 'disk-buffer('), /disk-buffer\(\) is not implemented by logferry yet for this destination/);
  assertConfigError(dest('network("127.0.0.1" disk-buffer(disk-buf-size(1GiB) reliabel(yes)));'), at('network("127.0.0.1" disk-buffer(disk-buf-size(1GiB) reliabel(yes)));', 'reliabel('), /unknown option reliabel\(\) in disk-buffer\(\); did you mean reliable\(\)\?/);
  assertConfigError(dest('network("127.0.0.1" disk-buffer(disk-buf-size(1GiB) truncate-size-ratio(2)));'), at('network("127.0.0.1" disk-buffer(disk-buf-size(1GiB) truncate-size-ratio(2)));', '2)'), /It cannot be bigger, than 1/);
  assertConfigError(dest('network("127.0.0.1" disk-buffer(disk-buf-size(-5)));'), at('network("127.0.0.1" disk-buffer(disk-buf-size(-5)));', '-5'), /cannot be negative/);
  // a source has no disk-buffer()
  assertConfigError('@version: 4.27\nsource s { network(port(0) disk-buffer(disk-buf-size(1GiB))); };\n', 'bad.conf:2:28', /only valid in a destination/);
});

test('warned once each at file:line:col: prealloc(), truncate-size-ratio(), mem-buf-length(), compaction(), a size under 1MiB (raised to it)', () => {
  const { s, warnings } = settingsOf(dest('network("127.0.0.1" disk-buffer(disk-buf-size(1000) prealloc(yes) truncate-size-ratio(0.1) mem-buf-length(100) compaction(no) qout-size(10)));'));
  const at = (re: RegExp) => warnings.filter((w) => re.test(w));
  assert.equal(warnings.length, 6, warnings.join('\n'));
  for (const w of warnings) assert.match(w, /^test\.conf:3:\d+: WARNING: /);
  assert.equal(at(/prealloc\(yes\) is accepted but has no effect in logferry/).length, 1);
  assert.equal(at(/truncate-size-ratio\(0\.1\) is accepted but has no effect in logferry/).length, 1);
  assert.equal(at(/mem-buf-length\(\) \(flow-control-window-size\(\)\) is deprecated and has no effect/).length, 1);
  assert.equal(at(/compaction\(no\)/).length, 1);
  assert.equal(at(/front-cache-size\(10\)/).length, 1);
  assert.equal(at(/disk-buf-size\(1000\) is smaller than the minimum of 1MiB; 1048576 bytes are used/).length, 1);
  assert.equal(s.diskBuffer!.diskBufSize, 1024 * 1024, 'raised to AxoSyslog\'s minimum');
  // the global block tunes AxoSyslog's queue files: one warning saying so
  const g = parse(`@version: 4.27\noptions { disk-buffer(prealloc(yes)); };\n`);
  assert.equal(g.warnings.length, 1);
  assert.match(g.warnings[0], /^test\.conf:2:11: WARNING: options \{ disk-buffer\(\) \} is accepted but has no effect in logferry: .*queue files/);
});

test('the buffer directory is named after the destination: stable, distinct per destination and driver, safe as a file name', () => {
  assert.equal(bufferDirName('d_remote'), bufferDirName('d_remote'));
  assert.match(bufferDirName('d_remote'), /^lfbuf-d_remote-[0-9a-f]{8}$/);
  assert.notEqual(bufferDirName('d#0'), bufferDirName('d#1'));
  assert.notEqual(bufferDirName('a/b'), bufferDirName('a_b'), 'names that differ only in unsafe characters stay apart');
  assert.match(bufferDirName('../../etc'), /^lfbuf-\.\._\.\._etc-[0-9a-f]{8}$/);
  assert.ok(!bufferDirName('../../etc').includes('/'));
});

test('-s prints the same warnings and refusals as a start (exit 0 / exit 1 at file:line:col), opening no buffer', async (t) => {
  const dir = tempDir('lf-dbcfg');
  t.after(() => dir.remove());
  const ok = path.join(dir.path, 'ok.conf');
  fs.writeFileSync(ok, dest(`network("127.0.0.1" port(9) disk-buffer(disk-buf-size(1GiB) prealloc(yes) dir("${dir.path}/bufs")));`));
  const r = await runToExit(process.execPath, [LOGFERRY_MAIN, '-s', '-f', ok], { name: 'logferry -s', timeoutMs: 20_000 });
  assert.equal(r.exit.code, 0, r.stderr);
  assert.match(r.stderr, /ok\.conf:3:\d+: WARNING: prealloc\(yes\) is accepted but has no effect/);
  assert.ok(!fs.existsSync(path.join(dir.path, 'bufs')), '-s creates no buffer directory');
  const bad = path.join(dir.path, 'bad.conf');
  fs.writeFileSync(bad, dest('syslog("127.0.0.1" disk-buffer(reliable(yes)));'));
  const b = await runToExit(process.execPath, [LOGFERRY_MAIN, '-s', '-f', bad], { name: 'logferry -s', timeoutMs: 20_000 });
  assert.equal(b.exit.code, 1);
  assert.match(b.stderr, new RegExp(`${at('syslog("127.0.0.1" disk-buffer(reliable(yes)));', 'disk-buffer(')}: disk-buffer\\(\\) needs disk-buf-size\\(\\)`));
  assert.doesNotMatch(b.stderr, /\n\s+at /);
});
