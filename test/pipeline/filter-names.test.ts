/**
 * One table of filter words: the config check (`-s`) and the filter compiler
 * (start) accept and refuse the same facility names and matcher flags, and
 * both agree with syslog-ng (recorded from syslog-ng 3.38 `-s`; the names are
 * those of AxoSyslog 4.27 lib/syslog-names.c and lib/logmatcher.c). When
 * syslog-ng is installed the verdicts are also checked against it live.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, parseConfigText } from '../../src/config/index.ts';
import { prepare } from '../../src/daemon/worker/prepare.ts';
import { LogMessage } from '../../src/message/log-message.ts';
import { compileFilter } from '../../src/pipeline/filter.ts';
import { runToExit, syslogNgBin, tempDir } from '../helpers/peers.ts';

/** filter body ⇒ accepted by syslog-ng */
const CASES: Array<[string, boolean]> = [
  ['facility(solaris_cron)', false],
  ['facility(solaris-cron)', true],
  ['facility(SOLARIS-CRON)', true],
  ['facility(megasafe)', true],
  ['facility(local0..local7)', true],
  ['level(Warn)', true],
  ['message("a" flags(nobackref))', false],
  ['message("a" flags(dont-store-matches))', false],
  ['message("a" flags(icase))', true],
  ['message("a" flags(ignore_case))', true],
  ['message("a" flags(newline))', true],
  ['message("a" flags(dupnames))', true],
  ['program("a" type(posix) flags(prefix))', true],
];

function config(body: string): string {
  return `@version: 4.27\nsource s { internal(); };\nfilter f { ${body}; };\ndestination d { file("/dev/null"); };\nlog { source(s); filter(f); destination(d); };\n`;
}

/** what `-s` decides (compile + prepare), and what a start decides (the same two steps, not dry) */
function logferryAccepts(body: string): { check: boolean; start: boolean; why: string } {
  let check = true;
  let start = true;
  let why = '';
  try {
    prepare(parseConfigText(config(body), 'f.conf'), { dryRun: true });
  } catch (err) {
    check = false;
    why = (err as Error).message;
  }
  try {
    // the filter compiler alone, fed the parsed expression: what the running daemon builds
    const plan = parseConfigText(config(body).replace(/filter f \{.*\};/, 'filter f { level(debug); };'), 'f.conf');
    const expr = parseConfigText(config(body), 'f.conf').filters.get('f')!.expr;
    compileFilter(expr, (n) => plan.filters.get(n)?.expr);
  } catch (err) {
    start = false;
    why ||= (err as Error).message;
  }
  return { check, start, why };
}

test('facility names and matcher flags: the config check and the filter compiler read one table, and agree with syslog-ng', () => {
  for (const [body, sng] of CASES) {
    const r = logferryAccepts(body);
    assert.equal(r.check, sng, `${body}: -s ${r.check ? 'accepts' : 'refuses'} (${r.why}), syslog-ng ${sng ? 'accepts' : 'refuses'}`);
    assert.equal(r.start, r.check, `${body}: -s and the filter compiler disagree (${r.why})`);
  }
});

test('refusals name the word at its location', () => {
  assert.throws(() => parseConfigText(config('facility(solaris_cron)'), 'f.conf'), (e: unknown) => e instanceof ConfigError && /solaris_cron/.test(e.message) && e.loc?.line === 3);
  assert.throws(() => parseConfigText(config('message("a" flags(nobackref))'), 'f.conf'), (e: unknown) => e instanceof ConfigError && /nobackref/.test(e.message) && e.loc?.line === 3);
});

test('flags(icase) and megasafe work at run time', () => {
  const plan = parseConfigText(config('message("HELLO" flags(icase)) and facility(megasafe)'), 'f.conf');
  const fn = compileFilter(plan.filters.get('f')!.expr, () => undefined);
  const m = new LogMessage({ sec: 1, usec: 0, gmtoff: 0 });
  m.pri = 10 * 8 + 5;
  m.message = 'say hello';
  assert.equal(fn(m), true);
  m.pri = 9 * 8 + 5;
  assert.equal(fn(m), false);
});

test('the recorded verdicts hold against the installed syslog-ng', async (t) => {
  const bin = syslogNgBin();
  assert.ok(bin, 'syslog-ng is installed (scripts install it)');
  const dir = tempDir('lf-filter-names');
  t.after(() => dir.remove());
  for (const [i, [body, sng]] of CASES.entries()) {
    const cfg = path.join(dir.path, `f${i}.conf`);
    fs.writeFileSync(cfg, config(body).replace('@version: 4.27', '@version: 3.38'));
    const r = await runToExit(bin, ['-s', '-f', cfg], { name: 'syslog-ng', timeoutMs: 20_000 });
    const refused = r.exit.code !== 0 || /Error parsing/.test(r.stderr);
    assert.equal(!refused, sng, `syslog-ng on ${body}: ${r.stderr}`);
  }
});
