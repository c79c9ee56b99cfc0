/** The daemon's --help is what docs/cli.md shows, and the -u/-g/--chroot/--caps lines say what the flags do. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOGFERRY_MAIN } from '../helpers/daemon.ts';
import { documentedHelp } from '../helpers/cli-doc.ts';
import { runToExit, tempDir } from '../helpers/peers.ts';
import { parseArgs, UsageError } from '../../src/cli/args.ts';

function run(args: string[]) {
  return runToExit(process.execPath, [LOGFERRY_MAIN, ...args], { name: 'logferry', timeoutMs: 20_000 });
}

test('docs/cli.md shows exactly what logferry --help prints, -u and -g included', async () => {
  const r = await run(['--help']);
  assert.equal(r.exit.code, 0, r.stderr);
  // runToExit keeps output as latin1; the help has a UTF-8 '…'
  const stdout = Buffer.from(r.stdout, 'latin1').toString('utf8');
  assert.equal(documentedHelp('logferry'), stdout, "docs/cli.md block for 'logferry' differs from its --help");
  assert.match(r.stdout, /^ {2}-u, --user USER +after binding every port and reading keys, run as USER/m);
  assert.match(r.stdout, /^ {2}-g, --group GROUP +run as GROUP/m);
});

test('-u/-g parse in every syslog-ng spelling; --chroot and --caps are usage errors with the alternative', () => {
  for (const argv of [['-u', 'syslog', '-g', 'adm'], ['-usyslog', '-gadm'], ['--user=syslog', '--group', 'adm']]) {
    const o = parseArgs(argv);
    assert.deepEqual([o.user, o.group], ['syslog', 'adm'], argv.join(' '));
  }
  assert.throws(() => parseArgs(['-C', '/var/empty']), (e: Error) => e instanceof UsageError && /--chroot is not supported: .*RootDirectory=.*container/.test(e.message));
  assert.throws(() => parseArgs(['--caps', 'cap_net_bind_service']), (e: Error) => e instanceof UsageError && /AmbientCapabilities=CAP_NET_BIND_SERVICE/.test(e.message));
});

test('an unknown -u user ends the start with one sentence and exit 1, before any port is bound', async (t) => {
  const dir = tempDir('lf-user');
  t.after(() => dir.remove());
  const cfg = join(dir.path, 'c.conf');
  writeFileSync(cfg, '@version: 4.27\nsource s { stdin(); };\ndestination d { file("/dev/null"); };\nlog { source(s); destination(d); };\n');
  const r = await run(['-F', '-f', cfg, '-u', 'no-such-user-lf19']);
  assert.equal(r.exit.code, 1);
  assert.equal(r.stderr, "logferry: unknown user 'no-such-user-lf19' (-u): create it (useradd --system --no-create-home no-such-user-lf19) or name an existing user\n");
  const g = await run(['-F', '-f', cfg, '-g', 'no-such-group-lf19']);
  assert.equal(g.exit.code, 1);
  assert.match(g.stderr, /^logferry: unknown group 'no-such-group-lf19' \(-g\): create it \(groupadd --system no-such-group-lf19\) or name an existing group\n$/);
  const c = await run(['--chroot', '/var/empty']);
  assert.equal(c.exit.code, 2);
  assert.match(c.stderr, /^logferry: --chroot is not supported/);
});
