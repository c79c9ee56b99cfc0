/**
 * The daemon runs as a child of the process the user started (to load
 * openssl/logferry.cnf): signals to the started PID reach it, and when that
 * process is killed outright the daemon stops too and removes its pidfile.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LOGFERRY_MAIN } from '../helpers/daemon.ts';
import { ManagedProcess, tempDir, watchUntil } from '../helpers/peers.ts';

test('killing the started process with SIGKILL still stops the daemon and removes its pidfile', { timeout: 30_000 }, async (t) => {
  const dir = tempDir('lf-relay');
  t.after(() => dir.remove());
  const cfg = path.join(dir.path, 'r.conf');
  const pidfile = path.join(dir.path, 'r.pid');
  fs.writeFileSync(cfg, `@version: 4.27\nsource s { file("${dir.path}/in.log"); };\ndestination d { file("${dir.path}/out.log"); };\nlog { source(s); destination(d); };\n`);
  const proc = new ManagedProcess(process.execPath, [LOGFERRY_MAIN, '-F', '-f', cfg, '-p', pidfile], { name: 'logferry' });
  t.after(() => proc.stop(2000));
  await watchUntil(pidfile, async () => (fs.existsSync(pidfile) ? true : undefined), 15_000, async () => `no pidfile; stderr: ${proc.stderrTail()}`);
  assert.equal(fs.readFileSync(pidfile, 'utf8').trim(), String(proc.pid), 'the pidfile names the PID the user started');
  process.kill(proc.pid, 'SIGKILL');
  await watchUntil(pidfile, async () => (fs.existsSync(pidfile) ? undefined : true), 15_000, async () => 'pidfile still there: the daemon child kept running');
});
