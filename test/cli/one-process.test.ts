/**
 * Start-up leaves exactly one process: the daemon re-executes itself in
 * place (execve) to load openssl/logferry.cnf, so the PID the user started
 * is the daemon — pidfile, signals and the OpenSSL settings all meet in it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { once } from 'node:events';
import { OPENSSL_CONFIG, planReexec, hasOpensslConfig } from '../../src/cli/openssl-config.ts';
import { makeDevPki } from '../../src/pki/dev-pki.ts';
import { ManagedProcess, REPO_ROOT, skipUnlessPeers, tempDir, waitForLines, waitForPort, watchUntil } from '../helpers/peers.ts';
import { freePort } from '../helpers/ports.ts';
import { connectCountingTickets } from '../helpers/tls-tickets.ts';

const ENTRY = path.join(REPO_ROOT, 'bin', 'logferry.cjs');

const facts = {
  execPath: '/opt/node/bin/node',
  execArgv: ['--max-old-space-size=256'],
  argv: ['/opt/node/bin/node', '/opt/logferry/bin/logferry.cjs', '-F', '-f', 'x.conf'],
  env: { PATH: '/bin' },
  pid: 4242,
  configFile: '/opt/logferry/openssl/logferry.cnf',
  configExists: true,
  hasExecve: true,
};

test('without the OpenSSL settings the process re-executes itself: same node, flags, script and arguments', () => {
  const p = planReexec(facts);
  assert.ok(p.exec);
  assert.equal(p.file, '/opt/node/bin/node');
  assert.deepEqual(p.args, ['/opt/node/bin/node', '--max-old-space-size=256', '--max-semi-space-size=16', '--openssl-config=/opt/logferry/openssl/logferry.cnf', '/opt/logferry/bin/logferry.cjs', '-F', '-f', 'x.conf']);
  assert.equal(p.env.PATH, '/bin');
  assert.equal(p.env.LOGFERRY_REEXEC_PID, '4242', 'the marker names this PID, which execve keeps');
  // the young-generation bound (cli/heap-flags.ts) gives way to the user's own
  const own = planReexec({ ...facts, execArgv: ['--max-semi-space-size=64'] });
  assert.ok(own.exec && !own.args.includes('--max-semi-space-size=16') && own.args.includes('--max-semi-space-size=64'));
  const viaEnv = planReexec({ ...facts, env: { NODE_OPTIONS: '--max_semi_space_size=8' } });
  assert.ok(viaEnv.exec && !viaEnv.args.some((a) => a.startsWith('--max-semi-space-size')));
});

test('no re-execution when the settings are loaded, after one re-execution of this PID, or when impossible', () => {
  assert.deepEqual(planReexec({ ...facts, execArgv: ['--openssl-config=/etc/mine.cnf'] }), { exec: false, reason: 'already-configured' });
  assert.deepEqual(planReexec({ ...facts, env: { NODE_OPTIONS: '--openssl-config=/etc/mine.cnf' } }), { exec: false, reason: 'already-configured' });
  assert.deepEqual(planReexec({ ...facts, env: { LOGFERRY_REEXEC_PID: '4242' } }), { exec: false, reason: 'already-reexecuted' });
  assert.deepEqual(planReexec({ ...facts, configExists: false }), { exec: false, reason: 'no-config-file' });
  assert.deepEqual(planReexec({ ...facts, hasExecve: false }), { exec: false, reason: 'no-execve' });
  // a logferry started by the daemon (another PID) inherits the marker but still re-executes
  assert.equal(planReexec({ ...facts, env: { LOGFERRY_REEXEC_PID: '4241' } }).exec, true);
  assert.equal(hasOpensslConfig(['--openssl-config-x'], undefined), false);
});

/** PIDs of the live children of `pid` (all its threads), from /proc. */
function childrenOf(pid: number): number[] {
  const tasks = fs.readdirSync(`/proc/${pid}/task`);
  return tasks.flatMap((t) => fs.readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number));
}

test('`logferry` is one process: the started PID is in the pidfile, runs with the OpenSSL settings, and stops on SIGTERM', { timeout: 60_000, skip: process.platform !== 'linux' ? 'reads /proc' : skipUnlessPeers('openssl') }, async (t) => {
  const dir = tempDir('lf-one-process');
  t.after(() => dir.remove());
  const pki = await makeDevPki(path.join(dir.path, 'pki'));
  const port = await freePort();
  const out = path.join(dir.path, 'out.log');
  const cfg = path.join(dir.path, 'one.conf');
  const pidfile = path.join(dir.path, 'one.pid');
  fs.writeFileSync(cfg, `@version: 4.27
options { use-dns(no); };
source s { syslog(ip(127.0.0.1) port(${port}) transport(tls) tls(key-file("${pki.serverKey}") cert-file("${pki.serverCert}") peer-verify(optional-untrusted))); };
destination d { file("${out}" template("\${MSG}\\n")); };
log { source(s); destination(d); };
`);
  const proc = new ManagedProcess(process.execPath, [ENTRY, '-F', '-e', '-f', cfg, '-p', pidfile], { name: 'logferry' });
  t.after(() => proc.stop(3000));
  await waitForPort('127.0.0.1', port, 30_000, proc);
  // the pidfile is written once start-up is done, which is a moment after the listener opens
  const written = await watchUntil(pidfile, async () => (fs.existsSync(pidfile) && fs.readFileSync(pidfile, 'utf8').endsWith('\n') ? fs.readFileSync(pidfile, 'utf8') : undefined), 10_000, async () => `no pidfile ${pidfile}:\n${proc.stderrTail()}`);
  assert.equal(written.trim(), String(proc.pid), 'the pidfile names the PID the user started');
  const cmdline = fs.readFileSync(`/proc/${proc.pid}/cmdline`, 'utf8').split('\0');
  assert.ok(cmdline.includes(`--openssl-config=${OPENSSL_CONFIG}`), `started PID runs with the OpenSSL settings: ${cmdline.join(' ')}`);
  assert.deepEqual(childrenOf(proc.pid), [], 'no relay: the daemon has no child process');

  // the settings take effect in that process: its TLS 1.3 listener sends no session tickets
  const msg = '<13>1 - h app - - - one-process\n';
  const c = await connectCountingTickets(port, pki.caCert, `${Buffer.byteLength(msg)} ${msg}`);
  assert.deepEqual(await waitForLines(out, 1, 15_000), ['one-process']);
  assert.equal(c.tickets, 0, 'no TLS 1.3 session tickets');
  c.socket.end();
  await once(c.socket, 'close');

  process.kill(proc.pid, 'SIGTERM');
  const exit = await proc.exited;
  assert.deepEqual(exit, { code: 0, signal: null }, proc.stderrTail());
  assert.equal(fs.existsSync(pidfile), false, 'the pidfile is removed');
  assert.match(proc.stderr, /shutting down.*SIGTERM|SIGTERM.*shutting down/);
});

test('`-s` opens no connection and does not re-execute', { timeout: 30_000 }, async (t) => {
  const dir = tempDir('lf-one-process-s');
  t.after(() => dir.remove());
  const cfg = path.join(dir.path, 's.conf');
  fs.writeFileSync(cfg, `@version: 4.27\nsource s { file("${dir.path}/in.log"); };\ndestination d { file("${dir.path}/out.log"); };\nlog { source(s); destination(d); };\n`);
  // a preload prints the flags of the process that finally exits: a re-executed one would show --openssl-config
  const probe = path.join(dir.path, 'probe.cjs');
  fs.writeFileSync(probe, "process.on('exit', () => process.stderr.write('execArgv=' + JSON.stringify(process.execArgv) + '\\n'));\n");
  const proc = new ManagedProcess(process.execPath, ['--require', probe, ENTRY, '-s', '-f', cfg], { name: 'logferry -s' });
  t.after(() => proc.stop(2000));
  const exit = await proc.exited;
  assert.equal(exit.code, 0, proc.stderr);
  assert.match(proc.stderr, /execArgv=\["--require","[^"]*probe\.cjs"\]/);
});
