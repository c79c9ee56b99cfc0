import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, formatConfigError, loadConfig } from '../../src/config/index.ts';
import { assertConfigError, parse, tempDir } from './helpers.ts';

test('@version: value kept, current resolves, later ones warn, old ones warn', () => {
  assert.equal(parse('@version: 4.27\n').version, '4.27');
  assert.equal(parse('@version: current\n').version, '4.27');
  assert.equal(parse('source s { internal(); };').version, undefined);
  const p = parse('@version: 4.27\n@version: 3.38\n');
  assert.equal(p.version, '4.27');
  assert.ok(p.warnings.some((w) => w.startsWith('test.conf:2:1: WARNING: The @version directive')));
  assert.ok(parse('@version: 3.38\n').warnings.some((w) => w.includes('compatibility mode')));
  assert.ok(parse('source s { internal(); };\n@version: 4.27\n').warnings.some((w) => w.includes('must be placed at the top')));
  assertConfigError('@version: 2.1\n', 'bad.conf:1:11', 'too old');
});

test('@version < 3.3: syslog() udp/tls default port is 601', (t) => {
  const dir = tempDir(t);
  fs.writeFileSync(path.join(dir, 'k.pem'), '');
  const p = parse(`@version: 3.2\nsource s { syslog(transport(udp)); };`);
  assert.equal(p.sources.get('s')!.drivers[0].options.values.port, 601);
});

test('@define with backticks anywhere, environment variables, opts.defines', () => {
  process.env.LOGFERRY_TEST_PORT = '7777';
  const p = parse('@define host "10.0.0.1"\n@define port 6514\ndestination d { network("`host`" port(`port`)); };\nsource s { network(port(`LOGFERRY_TEST_PORT`)); network(port(`fromopts`)); };', 'test.conf', {
    defines: { fromopts: '9999' },
  });
  const d = p.destinations.get('d')!.drivers[0];
  assert.deepEqual(d.positional, ['10.0.0.1']);
  assert.equal(d.options.values.port, 6514);
  assert.equal(p.sources.get('s')!.drivers[0].options.values.port, 7777);
  assert.equal(p.sources.get('s')!.drivers[1].options.values.port, 9999);
});

test('@define allow-config-dups 1 permits duplicate objects (later wins)', () => {
  const p = parse('@define allow-config-dups 1\nsource s { internal(); };\nsource s { stdin(); };');
  assert.equal(p.sources.get('s')!.drivers[0].driver, 'stdin');
});

test('@config-id, @module, @requires', () => {
  assert.equal(parse('@config-id: "prod-7"\n').configId, 'prod-7');
  parse('@module afsocket\n@requires syslogformat\n');
  assertConfigError('@module mod-python\n', 'bad.conf:1:9', 'logferry does not implement the mod-python module');
  assertConfigError('@requires json-plugin "needs json"\n', 'bad.conf:1:11', "Cannot load required module; module='json-plugin', message='needs json'");
});

test('@include: file, relative to the include path, nested, with chain in errors', (t) => {
  const dir = tempDir(t);
  fs.writeFileSync(path.join(dir, 'main.conf'), '@version: 4.27\n@include "sub/a.conf"\nlog { source(s_a); source(s_b); };\n');
  fs.mkdirSync(path.join(dir, 'sub'));
  fs.writeFileSync(path.join(dir, 'sub', 'a.conf'), `source s_a { internal(); };\n@include "${path.join(dir, 'sub', 'b.conf')}"\n`);
  fs.writeFileSync(path.join(dir, 'sub', 'b.conf'), 'source s_b { internal(); };\n');
  const p = loadConfig(path.join(dir, 'main.conf'));
  assert.ok(p.sources.has('s_a') && p.sources.has('s_b'));
  assert.equal(p.sources.get('s_b')!.loc.file, path.join(dir, 'sub', 'b.conf'));

  fs.writeFileSync(path.join(dir, 'sub', 'b.conf'), 'source s_b { internal(); };\nsource s_c { network(bogus(1)); };\n');
  let err: unknown;
  try {
    loadConfig(path.join(dir, 'main.conf'));
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof ConfigError);
  assert.deepEqual(err.loc, { file: path.join(dir, 'sub', 'b.conf'), line: 2, column: 22 });
  assert.deepEqual(err.includeChain.map((f) => `${f.file}:${f.line}`), [`${path.join(dir, 'main.conf')}:2`, `${path.join(dir, 'sub', 'a.conf')}:2`]);
  const text = formatConfigError(err);
  assert.ok(text.includes(`included from ${path.join(dir, 'sub', 'a.conf')}:2\nincluded from ${path.join(dir, 'main.conf')}:2`), text);
});

test('@include of a directory: sorted, name rules, only regular files', (t) => {
  const dir = tempDir(t);
  const d = path.join(dir, 'conf.d');
  fs.mkdirSync(d);
  fs.writeFileSync(path.join(d, 'b.conf'), 'source s_b { internal(); };\n');
  fs.writeFileSync(path.join(d, 'a.conf'), 'source s_a { internal(); };\n');
  fs.writeFileSync(path.join(d, '.hidden'), 'this would not parse');
  fs.writeFileSync(path.join(d, 'bad~name'), 'this would not parse');
  fs.writeFileSync(path.join(d, 'Z-1.conf'), 'source s_z { internal(); };\n');
  fs.mkdirSync(path.join(d, 'subdir'));
  const p = parse('@include "conf.d"\n', path.join(dir, 'main.conf'));
  assert.deepEqual([...p.sources.keys()], ['s_z', 's_a', 's_b']);
});

test('@include glob: matches in order; no match is silently nothing', (t) => {
  const dir = tempDir(t);
  fs.writeFileSync(path.join(dir, 'x2.part'), 'source s2 { internal(); };\n');
  fs.writeFileSync(path.join(dir, 'x1.part'), 'source s1 { internal(); };\n');
  const p = parse('@include "*.part"\n@include "*.nothing"\n', path.join(dir, 'main.conf'));
  assert.deepEqual([...p.sources.keys()], ['s1', 's2']);
});

test('@include: includePath option and @define include-path', (t) => {
  const dir = tempDir(t);
  const inc = path.join(dir, 'inc');
  fs.mkdirSync(inc);
  fs.writeFileSync(path.join(inc, 'lib.conf'), 'destination d { stdout(); };\n');
  assert.ok(parse('@include "lib.conf"\n', path.join(dir, 'main.conf'), { includePath: [inc] }).destinations.has('d'));
  assert.ok(parse(`@define include-path "${inc}"\n@include "lib.conf"\n`, path.join(dir, 'main.conf')).destinations.has('d'));
});

test('@include: missing file is an error; @requires in an include without message skips the file', (t) => {
  const dir = tempDir(t);
  assertConfigError('\n@include "nope.conf"\n', 'bad.conf:2:10', "Include file/directory not found; filename='nope.conf'", { includePath: [dir] });
  fs.writeFileSync(path.join(dir, 'opt.conf'), 'source s_opt { internal(); };\n@requires mod-java\n');
  const p = parse('@include "opt.conf"\nsource s { internal(); };', path.join(dir, 'main.conf'));
  assert.ok(!p.sources.has('s_opt'));
  assert.ok(p.sources.has('s'));
});

test('@include loop is stopped', (t) => {
  const dir = tempDir(t);
  fs.writeFileSync(path.join(dir, 'loop.conf'), '@include "loop.conf"\n');
  assert.throws(() => parse('@include "loop.conf"\n', path.join(dir, 'main.conf')), (e: unknown) => e instanceof ConfigError && /Include file depth is too deep/.test(e.message));
});
