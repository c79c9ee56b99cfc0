/** The `logferry` command line: flags, help, exit codes, errors without stack traces. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LOGFERRY_MAIN } from '../helpers/daemon.ts';
import { runToExit, tempDir } from '../helpers/peers.ts';
import { flagTable, parseArgs, UsageError } from '../../src/cli/args.ts';

function run(args: string[]) {
  return runToExit(process.execPath, [LOGFERRY_MAIN, ...args], { name: 'logferry', timeoutMs: 20_000 });
}

test('parseArgs understands syslog-ng flag forms', () => {
  const o = parseArgs(['-Fe', '-f', 'a.conf', '--pidfile=/tmp/p', '-R/tmp/persist', '-c', '/tmp/ctl', '-s', '-v', '-d']);
  assert.equal(o.cfgfile, 'a.conf');
  assert.equal(o.foreground, true);
  assert.equal(o.stderr, true);
  assert.equal(o.pidfile, '/tmp/p');
  assert.equal(o.persistFile, '/tmp/persist');
  assert.equal(o.control, '/tmp/ctl');
  assert.equal(o.syntaxOnly, true);
  assert.equal(o.verbose, true);
  assert.equal(o.debug, true);
  assert.equal(parseArgs(['--cfgfile', 'b.conf']).cfgfile, 'b.conf');
  assert.throws(() => parseArgs(['-x']), UsageError);
  assert.throws(() => parseArgs(['-f']), /needs a value/);
  assert.throws(() => parseArgs(['stray']), /unexpected argument/);
});

test('every syslog-ng daemon flag the issue names is in the table', () => {
  for (const [s, l] of [
    ['f', 'cfgfile'], ['F', 'foreground'], ['s', 'syntax-only'], ['e', 'stderr'], ['v', 'verbose'], ['d', 'debug'],
    ['p', 'pidfile'], ['c', 'control'], ['R', 'persist-file'], ['V', 'version'], ['h', 'help'],
  ]) {
    assert.ok(flagTable.some((r) => r.short === s && r.long === l), `-${s}/--${l}`);
  }
});

test('--help lists every flag and exits 0; --version prints the version', async () => {
  const h = await run(['--help']);
  assert.equal(h.exit.code, 0);
  for (const r of flagTable) assert.ok(h.stdout.includes('--' + r.long), `help mentions --${r.long}`);
  assert.ok(h.stdout.includes('quickstart'));
  const v = await run(['-V']);
  assert.equal(v.exit.code, 0);
  assert.match(v.stdout, /^logferry \d+\.\d+\.\d+/);
});

test('a usage error exits 2 with a hint and no stack trace', async () => {
  const r = await run(['--no-such-flag']);
  assert.equal(r.exit.code, 2);
  assert.match(r.stderr, /unknown option --no-such-flag/);
  assert.match(r.stderr, /logferry --help/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});

test('-s accepts a valid config (exit 0) and rejects a broken one with file:line:col (exit 1)', async (t) => {
  const dir = tempDir('lf-cli');
  t.after(() => dir.remove());
  const good = path.join(dir.path, 'good.conf');
  fs.writeFileSync(good, `@version: 4.27\nsource s { file("${dir.path}/in.log"); };\ndestination d { file("${dir.path}/out.log"); };\nlog { source(s); destination(d); };\n`);
  const ok = await run(['-s', '-f', good]);
  assert.equal(ok.exit.code, 0, ok.stderr);

  const bad = path.join(dir.path, 'bad.conf');
  fs.writeFileSync(bad, `@version: 4.27\nsource s {\n  network(port(514) max-connectionz(5));\n};\n`);
  const r = await run(['-s', '-f', bad]);
  assert.equal(r.exit.code, 1);
  assert.match(r.stderr, new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:21`));
  assert.match(r.stderr, /max-connectionz/);
  assert.match(r.stderr, /\^/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);

  const badTemplate = path.join(dir.path, 'badtemplate.conf');
  fs.writeFileSync(badTemplate, `@version: 4.27\nsource s { file("${dir.path}/in.log"); };\ndestination d { file("${dir.path}/out.log" template("$(no-such-function x)\\n")); };\nlog { source(s); destination(d); };\n`);
  const r2 = await run(['-s', '-f', badTemplate]);
  assert.equal(r2.exit.code, 1, r2.stderr);
  assert.match(r2.stderr, /badtemplate\.conf:3:/);
  assert.doesNotMatch(r2.stderr, /\n\s+at /);

  const missing = await run(['-s', '-f', path.join(dir.path, 'nope.conf')]);
  assert.equal(missing.exit.code, 1);
  assert.match(missing.stderr, /nope\.conf/);
  assert.doesNotMatch(missing.stderr, /\n\s+at /);
});

test('an option logferry does not run yet: -s and a start refuse it with the same message', async (t) => {
  const dir = tempDir('lf-cli-unimpl');
  t.after(() => dir.remove());
  const cfg = path.join(dir.path, 'db.conf');
  fs.writeFileSync(cfg, `@version: 4.27\nsource s { file("${dir.path}/in.log"); };\ndestination d { network("127.0.0.1" port(5999) pad-size(100)); };\nlog { source(s); destination(d); };\n`);
  const check = await run(['-s', '-f', cfg]);
  assert.equal(check.exit.code, 1, check.stderr);
  assert.match(check.stderr, /Error in .*db\.conf:3:\d+: pad-size\(\) is not implemented by logferry yet/);
  const start = await run(['-F', '-f', cfg]);
  assert.equal(start.exit.code, 1);
  assert.match(start.stderr, /Error in .*db\.conf:3:\d+: pad-size\(\) is not implemented by logferry yet/);
  assert.equal(start.stderr.trim(), check.stderr.trim());
  assert.doesNotMatch(start.stderr, /\n\s+at /);
});

test('-s reports a missing closing quote where the string opened, with a hint, even when a later quote closes it', async (t) => {
  const dir = tempDir('lf-cli-quote');
  t.after(() => dir.remove());
  const cfg = path.join(dir.path, 'quote.conf');
  fs.writeFileSync(cfg, `@version: 4.27\nsource s { file("${dir.path}/in.log"); };\ndestination d { file("${dir.path}/out.log); };\nlog { source(s); destination("d"); };\n`);
  const r = await run(['-s', '-f', cfg]);
  assert.equal(r.exit.code, 1);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines[0], `Error in ${cfg}:3:22: unterminated string literal: the string opened here runs on to line 4, and the one opened at 4:32 is still open at the end of the file`);
  assert.equal(lines[3], 'hint: the closing " of the string opened here (line 3) is probably missing');
  assert.equal(lines.length, 4, r.stderr);
});
