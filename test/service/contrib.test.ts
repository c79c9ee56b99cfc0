/**
 * The systemd unit and the container image definition, checked statically (no systemd runs the
 * unit here and no container engine is available: docker's client is installed, its daemon is
 * not). The unit goes through `systemd-analyze verify` (Debian systemd; scripts/install-peers.sh)
 * with its ExecStart pointed at this checkout's bin/, and its key lines are parsed: flags that
 * parseArgs accepts, Type=notify, a reload that exists. The Containerfile's COPY sources exist, its
 * CMD parses, its configuration passes `logferry -s`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accessSync, constants, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, basename, dirname } from 'node:path';
import { parseArgs } from '../../src/cli/args.ts';
import { LOGFERRY_MAIN } from '../helpers/daemon.ts';
import { isCi, REPO_ROOT, runToExit, tempDir, which } from '../helpers/peers.ts';

const UNIT = join(REPO_ROOT, 'contrib', 'systemd', 'logferry.service');
const CONTAINERFILE = join(REPO_ROOT, 'contrib', 'container', 'Containerfile');
const INSTALLED = '/usr/local/bin/logferry';

/** section -> key -> values (a key may repeat) */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const out = new Map<string, Map<string, string[]>>();
  let section: Map<string, string[]> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const s = /^\[(.+)\]$/.exec(line);
    if (s) {
      section = new Map();
      out.set(s[1], section);
      continue;
    }
    const eq = line.indexOf('=');
    assert.ok(section && eq > 0, `unit line outside a section or without '=': ${line}`);
    const k = line.slice(0, eq);
    section.set(k, [...(section.get(k) ?? []), line.slice(eq + 1)]);
  }
  return out;
}

const unit = parseUnit(readFileSync(UNIT, 'utf8'));
const svc = unit.get('Service')!;
const one = (k: string) => {
  const v = svc.get(k);
  assert.equal(v?.length, 1, `[Service] ${k}= once`);
  return v![0];
};

/** the installed command's name is the package's bin, which is this repository's bin/logferry.cjs */
function repoBin(cmd: string): string {
  assert.equal(cmd, INSTALLED, 'the unit runs the command npm install -g puts on PATH');
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  const file = join(REPO_ROOT, pkg.bin[basename(cmd)]);
  accessSync(file, constants.X_OK);
  return file;
}

test('unit: Type=notify, ExecStart runs bin/logferry -F with -u/-g and flags the daemon accepts', () => {
  assert.equal(one('Type'), 'notify');
  assert.equal(one('NotifyAccess'), 'main');
  const [cmd, ...args] = one('ExecStart').split(/\s+/);
  repoBin(cmd);
  const o = parseArgs(args);
  assert.equal(o.foreground, true, 'ExecStart uses -F');
  assert.equal(o.user, 'logferry');
  assert.equal(o.group, 'logferry');
  // the dropped user writes the persist file and removes the control socket: both in the state directory
  const state = `/var/lib/${one('StateDirectory')}`;
  assert.equal(dirname(o.persistFile!), state);
  assert.equal(dirname(o.control!), state);
  assert.ok(one('ReadWritePaths').split(/\s+/).includes(state));
  // the configuration is checked (-s) before the start
  const pre = svc.get('ExecStartPre')!.map((l) => l.split(/\s+/));
  const check = pre.find((p) => p[0] === INSTALLED)!;
  repoBin(check[0]);
  assert.equal(parseArgs(check.slice(1)).syntaxOnly, true);
  assert.equal(parseArgs(check.slice(1)).cfgfile, o.cfgfile);
  for (const p of pre.filter((x) => x[0] !== INSTALLED)) assert.ok(existsSync(p[0].replace(/^\+/, '')), `${p[0]} exists`);
});

test('unit: reload by SIGHUP, watchdog, open-file limit, and hardening that still binds 514 and drops', () => {
  const reload = one('ExecReload').split(/\s+/);
  assert.deepEqual(reload.slice(1), ['-HUP', '$MAINPID']);
  accessSync(reload[0], constants.X_OK);
  assert.match(one('WatchdogSec'), /^\d+s$/);
  assert.ok(Number(one('LimitNOFILE')) >= 1024);
  const caps = one('CapabilityBoundingSet').split(/\s+/);
  for (const c of ['CAP_NET_BIND_SERVICE', 'CAP_SETUID', 'CAP_SETGID']) assert.ok(caps.includes(c), c);
  // no User=: the daemon must start as root to bind 514; it drops by itself
  assert.equal(svc.get('User'), undefined);
  assert.equal(one('NoNewPrivileges'), 'yes');
  // V8 writes machine code: W^X would kill the daemon at start
  assert.equal(svc.get('MemoryDenyWriteExecute'), undefined);
  assert.ok(one('SystemCallFilter').includes('@system-service'));
  assert.ok(one('RestrictAddressFamilies').split(/\s+/).includes('AF_UNIX'), 'NOTIFY_SOCKET and unix sources');
});

test('unit: systemd-analyze verify accepts it (ExecStart pointed at this checkout)', { skip: !which('systemd-analyze') && !isCi() ? 'systemd-analyze missing: sudo bash scripts/install-peers.sh' : false }, async (t) => {
  const dir = tempDir('lf-unit');
  t.after(() => dir.remove());
  const copy = join(dir.path, 'logferry.service');
  writeFileSync(copy, readFileSync(UNIT, 'utf8').replaceAll(INSTALLED, join(REPO_ROOT, 'bin', 'logferry.cjs')));
  const r = await runToExit('systemd-analyze', ['verify', copy], { name: 'systemd-analyze', timeoutMs: 20_000 });
  assert.equal(r.exit.code, 0, r.stderr);
  assert.equal(r.stderr.trim(), '', 'no warning either');
  // systemd's own score of the hardening (0 best, 10 worst; 2.9 when written): it must stay "OK" or better
  const sec = await runToExit('systemd-analyze', ['security', '--offline=yes', copy], { name: 'systemd-analyze security', timeoutMs: 20_000 });
  const score = Number(/Overall exposure level for logferry\.service: ([\d.]+)/.exec(sec.stdout)?.[1]);
  assert.ok(score > 0 && score <= 3.5, `exposure ${score}:\n${sec.stdout.slice(-400)}`);
  // and it does catch a broken unit (the check is not vacuous)
  writeFileSync(copy, readFileSync(UNIT, 'utf8').replaceAll(INSTALLED, join(REPO_ROOT, 'bin', 'missing.cjs')));
  const bad = await runToExit('systemd-analyze', ['verify', copy], { name: 'systemd-analyze', timeoutMs: 20_000 });
  assert.notEqual(bad.exit.code, 0);
  assert.match(bad.stderr, /missing\.cjs is not executable/);
});

interface Instr {
  op: string;
  args: string;
}

function parseContainerfile(text: string): Instr[] {
  const joined = text.replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const m = /^([A-Z]+)\s+(.*)$/.exec(l);
      assert.ok(m, `not an instruction: ${l}`);
      return { op: m[1], args: m[2] };
    });
}

const instrs = parseContainerfile(readFileSync(CONTAINERFILE, 'utf8'));
const of = (op: string) => instrs.filter((i) => i.op === op);

test('Containerfile: a Node 24 Debian base, and every COPY source exists in the repository (the build context)', () => {
  assert.equal(instrs[0].op, 'FROM');
  assert.match(instrs[0].args, /^docker\.io\/library\/node:24-bookworm-slim$/);
  const copies = of('COPY');
  assert.ok(copies.length >= 4);
  for (const c of copies) {
    const parts = c.args.split(/\s+/);
    for (const src of parts.slice(0, -1)) assert.ok(existsSync(join(REPO_ROOT, src)), `COPY ${src} exists`);
  }
  // what the daemon loads at run time is copied: its package metadata, bin, sources, OpenSSL settings
  const copied = copies.flatMap((c) => c.args.split(/\s+/).slice(0, -1));
  for (const need of ['package.json', 'package-lock.json', 'bin', 'src', 'openssl']) assert.ok(copied.includes(need), need);
  assert.ok(of('RUN').some((r) => r.args.includes('npm ci --omit=dev')));
});

test('Containerfile: starts as root, binds 514, then runs as logferry (-u/-g); its configuration is valid', async () => {
  assert.equal(of('USER').length, 0, 'no USER: binding 514 needs root at start; -u/-g drop it');
  const run = of('RUN').map((r) => r.args).join(' ');
  assert.match(run, /useradd --system --gid logferry .* logferry/);
  assert.match(run, /ln -s \/opt\/logferry\/bin\/logferry\.cjs \/usr\/local\/bin\/logferry/);
  assert.deepEqual(JSON.parse(of('ENTRYPOINT')[0].args), ['/usr/local/bin/logferry']);
  const cmd = JSON.parse(of('CMD')[0].args) as string[];
  const o = parseArgs(cmd);
  assert.equal(o.foreground, true);
  assert.equal(o.user, 'logferry');
  assert.equal(o.group, 'logferry');
  assert.equal(o.cfgfile, '/etc/logferry/logferry.conf');
  const health = JSON.parse(of('HEALTHCHECK')[0].args.replace(/^.*?CMD\s+/, '')) as string[];
  assert.deepEqual(health.slice(0, 4), ['logferry', 'ctl', '-c', o.control]);
  assert.match(of('EXPOSE')[0].args, /514\/tcp/);
  // the configuration the image ships: COPY'd from contrib/container, and `logferry -s` accepts it
  const conf = of('COPY').find((c) => c.args.endsWith(' /etc/logferry/logferry.conf'))!.args.split(/\s+/)[0];
  const r = await runToExit(process.execPath, [LOGFERRY_MAIN, '-s', '-f', join(REPO_ROOT, conf)], { name: 'logferry -s', timeoutMs: 20_000 });
  assert.equal(r.exit.code, 0, r.stderr);
  assert.match(readFileSync(join(REPO_ROOT, conf), 'utf8'), /port\(514\)/);
});

// node-unix-socket's other-platform packages (arm64, armv7, darwin) are in the lock without
// integrity hashes (the registry reachable here answers 404 for them): npm ci must still take it.
test('Containerfile: `npm ci --omit=dev` accepts package.json and package-lock.json (offline dry run)', async (t) => {
  assert.ok(of('RUN').some((r) => r.args.includes('npm ci --omit=dev')));
  const dir = tempDir('lf-npmci');
  t.after(() => dir.remove());
  for (const f of ['package.json', 'package-lock.json']) writeFileSync(join(dir.path, f), readFileSync(join(REPO_ROOT, f)));
  const npm = which('npm');
  assert.ok(npm, 'npm on PATH');
  const r = await runToExit(npm, ['ci', '--omit=dev', '--dry-run', '--ignore-scripts', '--offline', '--no-audit', '--no-fund'], { name: 'npm ci', timeoutMs: 60_000, cwd: dir.path });
  assert.equal(r.exit.code, 0, r.stderr);
});
