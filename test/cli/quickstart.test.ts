/**
 * `logferry quickstart`: dev PKI + config + a TLS receiver with mutual
 * authentication; the `logferry send` line it prints gets a message through,
 * the same line without the client certificate does not.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LOGFERRY_MAIN } from '../helpers/daemon.ts';
import { ManagedProcess, tempDir, waitForLines, waitForPort } from '../helpers/peers.ts';
import { runSendCli } from '../send/lib.ts';
import { freePort } from '../helpers/ports.ts';

test('quickstart receives a first message over TLS with a client certificate', { timeout: 60_000 }, async (t) => {
  const dir = tempDir('lf-quickstart');
  t.after(() => dir.remove());
  const port = await freePort();
  const qs = path.join(dir.path, 'qs');
  const proc = new ManagedProcess(process.execPath, [LOGFERRY_MAIN, 'quickstart', qs, '--port', String(port)], { name: 'logferry quickstart', captureStdout: true });
  t.after(() => proc.stop(3000));
  await waitForPort('127.0.0.1', port, 30_000, proc);
  const pki = path.join(qs, 'pki');
  // the banner names the PID to stop and a send command line using the PKI it made
  assert.match(proc.stdout, new RegExp(`^  pid: +${proc.pid}$`, 'm'));
  const rel = (p: string) => path.relative(process.cwd(), p);
  assert.ok(proc.stdout.includes(`logferry send 127.0.0.1 ${port} --transport tls --ca-dir ${rel(path.join(pki, 'ca.d'))} --cert ${rel(path.join(pki, 'client.pem'))} --key ${rel(path.join(pki, 'client.key'))} --count 1\n`), proc.stdout);
  for (const f of ['ca.pem', 'server.pem', 'server.key', 'client.pem', 'client.key']) assert.ok(fs.existsSync(path.join(pki, f)), f);
  assert.ok(fs.readdirSync(path.join(pki, 'ca.d')).some((f) => /^[0-9a-f]{8}\.0$/.test(f)), 'hashed ca.d/<hash>.0');
  assert.equal(fs.statSync(path.join(pki, 'client.key')).mode & 0o077, 0, 'keys are private');

  // on failure, show what the daemon said about the connection, not only what the client saw
  const daemonLog = () => {
    try {
      return fs.readFileSync(path.join(qs, 'logs', 'logferry.log'), 'utf8');
    } catch {
      return '(no logferry.log)';
    }
  };
  // the printed send line, run as printed (paths relative to this cwd), delivers one message
  const line = /^ {2}logferry send (.+)$/m.exec(proc.stdout)![1].split(' ');
  const sent = await runSendCli(line);
  assert.equal(sent.code, 0, `${sent.stderr}\ndaemon log:\n${daemonLog()}`);
  const lines = await waitForLines(path.join(qs, 'logs', 'messages'), 1, 15_000);
  assert.match(lines[0], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d \S+ \S+: .* client=logferry-client$/);

  // no client certificate: refused (peer-verify(required-trusted)), the sender says so and exits 1
  const anon = await runSendCli([...line.slice(0, line.indexOf('--cert')), '--count', '1']);
  assert.equal(anon.code, 1, anon.stderr);
  assert.match(anon.stderr, /certificate/i);
  // a later valid message proves the anonymous attempt was handled before we look
  const again = await runSendCli(line);
  assert.equal(again.code, 0, `${again.stderr}\ndaemon log:\n${daemonLog()}`);
  const after = await waitForLines(path.join(qs, 'logs', 'messages'), 2, 15_000);
  assert.equal(after.length, 2, 'nothing from the sender without a certificate was written');
  const own = fs.readFileSync(path.join(qs, 'logs', 'logferry.log'), 'utf8');
  assert.match(own, /no_peer_certificate|did not return a certificate|sent no certificate/i, 'the refusal is logged with its reason');
});
