/**
 * The service acceptance test (issue 19): logferry started as root binds a port below 1024, then
 * runs as an unprivileged user (-u/-g; /proc/PID/status says so once readiness is signalled),
 * tells a stand-in systemd socket READY=1, WATCHDOG=1 at WATCHDOG_USEC/2, RELOADING=1/READY=1
 * around a SIGHUP reload and STOPPING=1 at SIGTERM; a message still arrives through the bound port
 * into a file the dropped user writes. A second run under `prlimit --nofile=64:64` reports the
 * too-low open-file limit at start. Needs root (skipped otherwise, with the reason). ~5 s.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { LOGFERRY_MAIN } from '../helpers/daemon.ts';
import { ManagedProcess, tempDir, waitForPort, waitForText, which } from '../helpers/peers.ts';
import { NotifyReceiver } from '../helpers/notify-socket.ts';
import { ensureTestUser, freePrivilegedPort, skipUnlessRoot } from '../helpers/service-user.ts';
import { freePort } from '../helpers/ports.ts';

const skip = skipUnlessRoot();

function statusIds(pid: number): { uid: string; gid: string; groups: string } {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const line = (k: string) => (new RegExp(`^${k}:\\s*(.*)$`, 'm').exec(s)?.[1] ?? '').trim().replace(/\s+/g, ' ');
  return { uid: line('Uid'), gid: line('Gid'), groups: line('Groups') };
}

function send(port: number, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = connect({ host: '127.0.0.1', port }, () => c.end(text, () => resolve()));
    c.once('error', reject);
  });
}

/** a work dir the dropped user owns (output file, pidfile and control socket removal) */
function serviceDir(name: string, uid: number, gid: number) {
  const dir = tempDir(name);
  chownSync(dir.path, uid, gid);
  chmodSync(dir.path, 0o755);
  return dir;
}

test('as root: binds a port below 1024, drops to -u/-g, signals READY/WATCHDOG/RELOADING/STOPPING on NOTIFY_SOCKET', { skip, timeout: 30_000 }, async (t) => {
  const user = ensureTestUser();
  const dir = serviceDir('lf-svc', user.uid, user.gid);
  t.after(() => dir.remove());
  const port = await freePrivilegedPort();
  const out = join(dir.path, 'out.log');
  const cfg = join(dir.path, 'service.conf');
  writeFileSync(cfg, `@version: 4.27
options { use-dns(no); };
source s { network(ip(127.0.0.1) port(${port}) transport(tcp)); };
destination d { file("${out}" template("\${MSG}\\n")); };
log { source(s); destination(d); };
`);
  const notify = new NotifyReceiver(join(dir.path, 'notify.sock'));
  t.after(() => notify.close());
  const pidfile = join(dir.path, 'logferry.pid');
  const proc = new ManagedProcess(process.execPath, [LOGFERRY_MAIN, '-F', '-e', '-f', cfg, '-p', pidfile, '-c', join(dir.path, 'ctl'), '-u', user.name, '-g', user.name], {
    name: 'logferry (service)',
    cwd: dir.path,
    env: { ...process.env, NOTIFY_SOCKET: notify.path, WATCHDOG_USEC: '200000' },
  });
  t.after(() => proc.stop());

  const ready = await notify.waitFor('READY=1', () => notify.having('READY=1').length >= 1, 15_000).catch((e) => {
    throw new Error(`${(e as Error).message}\nstderr:\n${proc.stderrTail()}`);
  });
  const first = ready.find((m) => m.split('\n').includes('READY=1'))!;
  assert.match(first, /^STATUS=Running .*1 sources, 1 destinations/m);
  assert.ok(first.split('\n').includes(`MAINPID=${proc.pid}`), first);
  // after readiness the process is the test user for good: real, effective, saved and fs ids
  const ids = statusIds(proc.pid);
  assert.equal(ids.uid, `${user.uid} ${user.uid} ${user.uid} ${user.uid}`, `Uid line of /proc/${proc.pid}/status`);
  assert.equal(ids.gid, `${user.gid} ${user.gid} ${user.gid} ${user.gid}`, `Gid line of /proc/${proc.pid}/status`);
  assert.equal(ids.groups, String(user.gid), 'root supplementary groups are gone');
  assert.match(proc.stderr, /Privileges dropped.*logferry-test/);
  assert.doesNotMatch(proc.stderr, /cannot write|cannot read/, 'the work dir belongs to the user: no warning');
  assert.equal(readFileSync(pidfile, 'utf8'), `${proc.pid}\n`);

  // the port bound as root still answers, and the file is written as the dropped user
  await waitForPort('127.0.0.1', port, 5000, proc);
  await send(port, '<13>Nov 26 12:00:00 host app: hello-from-514-style\n');
  await waitForText(out, 'hello-from-514-style', 10_000);

  // watchdog: WATCHDOG_USEC=200 ms, so a ping every 100 ms
  await notify.waitFor('3 WATCHDOG=1', () => notify.having('WATCHDOG=1').length >= 3, 5000);

  // SIGHUP: RELOADING=1, then READY=1 again (the unchanged source keeps its privileged port)
  process.kill(proc.pid, 'SIGHUP');
  await notify.waitFor('READY=1 after RELOADING=1', (m) => {
    const r = m.findIndex((x) => x.split('\n').includes('RELOADING=1'));
    return r >= 0 && m.slice(r + 1).some((x) => x.split('\n').includes('READY=1'));
  }, 10_000);
  assert.match(notify.having('RELOADING=1')[0], /^MONOTONIC_USEC=\d+$/m);
  await proc.waitForStderr(/Config reload|reload.*(finished|successful)/i, 5000);
  await send(port, '<13>Nov 26 12:00:01 host app: after-reload\n');
  await waitForText(out, 'after-reload', 10_000);

  // a reload that adds a port below 1024: the dropped daemon cannot bind it and says why; the rest runs
  const port2 = await freePrivilegedPort();
  writeFileSync(cfg, readFileSync(cfg, 'utf8').replace('source s {', `source s2 { network(ip(127.0.0.1) port(${port2}) transport(tcp)); };\nsource s {`).replace('log { source(s);', 'log { source(s); source(s2);'));
  const readyBefore = notify.having('READY=1').length;
  process.kill(proc.pid, 'SIGHUP');
  const line = await proc.waitForStderr(/^.*Configuration reload finished.*not_started=.*$/m, 10_000);
  assert.match(line, new RegExp(`listen EACCES: permission denied 127\\.0\\.0\\.1:${port2} \\(logferry runs as user logferry-test .* cannot bind a port below 1024: restart it to add this port\\)`));
  await notify.waitFor('READY=1 after the partial reload', () => notify.having('READY=1').length > readyBefore, 5000);
  assert.match(notify.having('READY=1').at(-1)!, /\(last reload failed\)/);
  await send(port, '<13>Nov 26 12:00:02 host app: still-running\n');
  await waitForText(out, 'still-running', 10_000);

  // SIGTERM: STOPPING=1, exit 0, the pidfile removed by the dropped user
  const exit = await proc.stop(10_000);
  assert.equal(exit.code, 0, proc.stderrTail());
  assert.equal(notify.having('STOPPING=1').length, 1, JSON.stringify(notify.messages));
  assert.equal(existsSync(pidfile), false, 'pidfile removed');
});

test('under prlimit --nofile=64:64 the too-low open-file limit is reported at start, with what to set', { skip: skip || (!which('prlimit') && 'prlimit (util-linux) missing'), timeout: 30_000 }, async (t) => {
  const user = ensureTestUser();
  const dir = serviceDir('lf-svc-nofile', user.uid, user.gid);
  t.after(() => dir.remove());
  const port = await freePrivilegedPort();
  const cfg = join(dir.path, 'nofile.conf');
  writeFileSync(cfg, `@version: 4.27
source s { network(ip(127.0.0.1) port(${port}) transport(tcp) max-connections(100)); };
destination d { file("${join(dir.path, 'out.log')}"); };
log { source(s); destination(d); };
`);
  // the persist file in a directory only root may write: said once after the drop
  const rootOnly = join(dir.path, 'root-only');
  mkdirSync(rootOnly, { mode: 0o755 });
  const proc = new ManagedProcess('prlimit', ['--nofile=64:64', '--', process.execPath, LOGFERRY_MAIN, '-F', '-e', '-f', cfg, '-c', join(dir.path, 'ctl'), '-R', join(rootOnly, 'p.persist'), '-u', user.name], {
    name: 'logferry (nofile 64)',
    cwd: dir.path,
  });
  t.after(() => proc.stop());
  const line = await proc.waitForStderr(/^.*open-file limit is 64, below.*$/m, 15_000);
  assert.match(line, /100 max-connections\(\) of 1 stream sources/);
  assert.match(line, /LimitNOFILE=1024 in the systemd unit/);
  assert.match(line, /ulimit -n 1024/);
  // one line, and the daemon runs on (a warning, not a refusal)
  assert.equal(proc.stderr.split('\n').filter((l) => l.includes('open-file limit')).length, 1);
  await waitForPort('127.0.0.1', port, 5000, proc);
  const state = await proc.waitForStderr(/^.*logferry cannot write .*root-only, where it keeps the persist file.*$/m, 5000);
  assert.match(state, /give -R a file in a directory logferry-test owns/);
  assert.equal((await proc.stop(10_000)).code, 0, proc.stderrTail());
});

test('after -u a root-only key: said at start, and a rotation is refused with the fix; group-readable, the rotation is taken', { skip, timeout: 30_000 }, async (t) => {
  const { makeFloodPki } = await import('../helpers/flood-certs.ts');
  const { createPrivateKey } = await import('node:crypto');
  const user = ensureTestUser();
  const dir = serviceDir('lf-svc-tls', user.uid, user.gid);
  t.after(() => dir.remove());
  const pki = makeFloodPki(1);
  const certFile = join(dir.path, 'server.crt');
  const keyFile = join(dir.path, 'server.key');
  writeFileSync(certFile, pki.serverCertPem);
  writeFileSync(keyFile, pki.serverKeyPem, { mode: 0o600 });
  const port = await freePrivilegedPort();
  const notify = new NotifyReceiver(join(dir.path, 'notify.sock'));
  t.after(() => notify.close());
  const cfg = join(dir.path, 'tls.conf');
  writeFileSync(cfg, `@version: 4.27
source s { network(ip(127.0.0.1) port(${port}) transport(tls) tls(cert-file("${certFile}") key-file("${keyFile}") peer-verify(optional-untrusted))); };
destination d { file("${join(dir.path, 'out.log')}"); };
log { source(s); destination(d); };
`);
  const proc = new ManagedProcess(process.execPath, [LOGFERRY_MAIN, '-F', '-e', '-f', cfg, '-c', join(dir.path, 'ctl'), '-u', user.name], {
    name: 'logferry (tls as user)',
    cwd: dir.path,
    env: { ...process.env, LOGFERRY_TLS_POLL_MS: '200', NOTIFY_SOCKET: notify.path },
  });
  t.after(() => proc.stop());
  // READY=1 comes after the file watch started: a change before it would be the watch's baseline
  await notify.waitFor('READY=1', () => notify.having('READY=1').length === 1, 15_000);
  const atStart = await proc.waitForStderr(/^.*After dropping to user logferry-test.*$/m, 15_000);
  assert.ok(atStart.includes(`cannot read ${keyFile}:`), atStart);
  assert.ok(!atStart.includes(certFile), 'the certificate (0644) is readable');
  assert.match(atStart, /chgrp logferry-test FILE; chmod 0640 FILE/);
  await waitForPort('127.0.0.1', port, 5000, proc);

  // a rotation: new bytes for both files (same EC key, SEC1 instead of PKCS#8), the key still root-only
  const sec1 = createPrivateKey(pki.serverKeyPem).export({ type: 'sec1', format: 'pem' }) as string;
  writeFileSync(keyFile, sec1, { mode: 0o600 });
  writeFileSync(certFile, pki.serverCertPem + '\n');
  const refused = await proc.waitForStderr(/^.*TLS files of a tls\(\) block changed but are not usable.*$/m, 10_000);
  assert.match(refused, /permission denied/);
  assert.match(refused, /fix='logferry runs as user logferry-test \(uid \d+\), group logferry-test \(gid \d+\) since start-up \(-u\/-g\) and cannot read root-only files again: make the key and certificate files readable by group logferry-test \(chgrp logferry-test FILE; chmod 0640 FILE\)/);

  // the documented fix: the key readable by the group; the next rotation is taken
  chownSync(keyFile, 0, user.gid);
  chmodSync(keyFile, 0o640);
  writeFileSync(keyFile, sec1 + '\n');
  writeFileSync(certFile, pki.serverCertPem + '\n\n');
  await proc.waitForStderr(/TLS files of a tls\(\) block changed; new handshakes use them/, 10_000);
  assert.equal((await proc.stop(10_000)).code, 0, proc.stderrTail());
});

test('a disk buffer opened as root before the drop goes on as the user: new segments are written, nothing is dropped', { skip, timeout: 30_000 }, async (t) => {
  const { readdirSync, statSync } = await import('node:fs');
  const user = ensureTestUser();
  const dir = serviceDir('lf-svc-dbuf', user.uid, user.gid);
  t.after(() => dir.remove());
  const port = await freePrivilegedPort();
  // nothing listens there: every message stays in the disk buffer
  const down = await freePort();
  const buf = join(dir.path, 'buf');
  const cfg = join(dir.path, 'dbuf.conf');
  writeFileSync(cfg, `@version: 4.27
source s { network(ip(127.0.0.1) port(${port}) transport(tcp)); };
destination d { network("127.0.0.1" port(${down}) transport(tcp) disk-buffer(reliable(yes) disk-buf-size(1048576) dir("${buf}"))); };
log { source(s); destination(d); };
`);
  const proc = new ManagedProcess(process.execPath, [LOGFERRY_MAIN, '-F', '-e', '-v', '-f', cfg, '-c', join(dir.path, 'ctl'), '-u', user.name], { name: 'logferry (disk buffer as user)', cwd: dir.path });
  t.after(() => proc.stop());
  await proc.waitForStderr(/Privileges dropped/, 15_000);
  await waitForPort('127.0.0.1', port, 5000, proc);
  const lines = Array.from({ length: 500 }, (_, i) => `<13>Nov 26 12:00:00 host app: buffered ${i}\n`).join('');
  await send(port, lines);
  // the daemon saw the end of the connection: every line was read (and handed to the buffer)
  await proc.waitForStderr(/Syslog connection closed/, 10_000);
  const exit = await proc.stop(10_000);
  assert.equal(exit.code, 0, proc.stderrTail());
  assert.match(proc.stderr, /d: 0 written, 500 kept in its disk buffer/);
  assert.doesNotMatch(proc.stderr, /disk buffer cannot be written|EACCES/);
  // the buffer's directory and every file in it belong to the user now
  const [bdir] = readdirSync(buf).filter((e) => e.startsWith('lfbuf-'));
  const files = readdirSync(join(buf, bdir));
  assert.ok(files.some((f) => f.endsWith('.lfseg')), files.join(','));
  for (const f of ['', ...files]) assert.equal(statSync(join(buf, bdir, f)).uid, user.uid, `${f || bdir} owned by the user`);
});
