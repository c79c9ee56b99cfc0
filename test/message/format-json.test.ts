/**
 * format-json behaviour beyond the recorded syslog-ng 3.38 cases: syslog-ng 4
 * typing (numbers, lists, type hints, --cast), escaping, flat output and
 * argument errors.
 */
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { LogMessage } from '../../src/message/log-message.ts';
import { TemplateError, compileTemplate, defaultTemplateOptions } from '../../src/message/template.ts';
import { formatDouble, jsonEscape, scanList, setValuePairsCastDefault, splitKey } from '../../src/message/format-json.ts';

afterEach(() => setValuePairsCastDefault(false));

function msg(): LogMessage {
  const m = new LogMessage({ sec: 1700000000, usec: 0, gmtoff: 0 });
  m.pri = 14;
  m.host = 'h';
  m.program = 'p';
  m.message = 'm';
  m.tags.push('t1', 'a b');
  m.values.set('SOURCEIP', '10.0.0.9');
  m.values.set('SOURCEPORT', '514');
  m.values.set('PROTO', '6');
  m.values.set('TRANSPORT', 'rfc3164+tls');
  m.values.set('.tls.x509_cn', 'client1');
  return m;
}

const j = (args: string, m = msg()) => compileTemplate(`$(format-json ${args})`).format(m, defaultTemplateOptions);

test('syslog-ng 4 typing: integer macros are JSON numbers, TAGS a list', () => {
  assert.equal(j('--scope none --key FACILITY_NUM --key LEVEL_NUM --key TAGS --key SOURCEPORT --key PROTO'), '{"TAGS":["t1","a b"],"SOURCEPORT":514,"PROTO":6,"LEVEL_NUM":6,"FACILITY_NUM":1}');
  assert.equal(j('--scope none --key FACILITY_NUM --key TAGS --cast'), '{"TAGS":"t1,\\"a b\\"","FACILITY_NUM":"1"}');
  setValuePairsCastDefault(true);
  assert.equal(j('--scope none --key FACILITY_NUM'), '{"FACILITY_NUM":"1"}');
  assert.equal(j('--scope none --key FACILITY_NUM --no-cast'), '{"FACILITY_NUM":1}');
});

test('nv-pairs hold what sources store, macro-backed fields stay macros', () => {
  assert.equal(j('--scope nv-pairs'), '{"TRANSPORT":"rfc3164+tls","PROGRAM":"p","MESSAGE":"m","HOST":"h"}');
  assert.equal(j('--scope dot-nv-pairs'), '{"_tls":{"x509_cn":"client1"}}');
  assert.equal(j('--scope dot-nv-pairs --leave-initial-dot'), '{".tls":{"x509_cn":"client1"}}');
  assert.equal(j('--scope selected-macros --exclude DATE --exclude P*'), '{"TAGS":["t1","a b"],"SOURCEIP":"10.0.0.9","MESSAGE":"m","HOST":"h","FACILITY":"user"}');
});

test('--pair with type hints; a failed cast empties the whole output (on-error drop-message)', () => {
  assert.equal(j('--scope none --pair n=int64($SOURCEPORT) --pair s=string($FACILITY_NUM) --pair b=boolean(true) --pair z=null(x)'), '{"z":null,"s":"1","n":514,"b":true}');
  assert.equal(j('--scope none --pair n=int($HOST)'), '');
  assert.equal(j('--scope none --pair d=double(0.1) --pair j=json({"a":1}) --pair l=list(x,y)'), '{"l":["x","y"],"j":{"a":1},"d":0.10000000000000001}');
  assert.equal(j('--scope none --pair n=int64($SOURCEPORT) --cast'), '{"n":514}');
  assert.equal(j('--scope none --pair h=0x1F --pair i=int(0x1F)'), '{"i":31,"h":"0x1F"}');
});

test('JSON string escaping follows syslog-ng: \\u00XX for control characters, nothing else escaped', () => {
  assert.equal(jsonEscape('a"b\\c\n\r\t\b\f\x01\x1f\x7f/é€😀'), 'a\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\\u001f\x7f/é€😀');
  const m = msg();
  m.message = 'x\x00y';
  assert.equal(j('--scope none --key MESSAGE', m), '{"MESSAGE":"x\\u0000y"}');
});

test('format-flat-json keeps dotted names flat', () => {
  const m = msg();
  m.addSdParam('a@1.2', 'b', '1');
  const t = compileTemplate('$(format-flat-json --scope sdata --scope dot-nv-pairs)');
  assert.equal(t.format(m, defaultTemplateOptions), '{"_tls.x509_cn":"client1","_SDATA.a@1.2.b":"1"}');
});

test('key splitting keeps SD enterprise numbers together', () => {
  assert.deepEqual(splitKey('.SDATA.a@123.4.5.b.c', '.'), ['.SDATA', 'a@123.4.5', 'b', 'c']);
  assert.deepEqual(splitKey('a..b', '.'), ['a', '.b']);
  assert.deepEqual(splitKey('x_y_z', '_'), ['x', 'y', 'z']);
  assert.deepEqual(scanList('a,"b,c",\'d\',"e\\"f"'), ['a', 'b,c', 'd', 'e"f']);
});

test('%.17g doubles as g_ascii_dtostr prints them', () => {
  assert.equal(formatDouble(0.1), '0.10000000000000001');
  assert.equal(formatDouble(1.5), '1.5');
  assert.equal(formatDouble(100), '100');
  assert.equal(formatDouble(1e21), '1e+21');
  assert.equal(formatDouble(1.25e-7), '1.2499999999999999e-07');
  assert.equal(formatDouble(-2), '-2');
  assert.equal(formatDouble(123456.789), '123456.789');
  assert.equal(j('--scope none --pair b=boolean(yes)'), '');
});

test('argument errors are template compile errors', () => {
  const bad: Array<[string, RegExp]> = [
    ['--scope foo', /unknown scope foo/],
    ['--pair novalue', /expected an equal sign/],
    ['--shift 2', /--shift used without --key or --rekey/],
    ['--rekey x --shift 0', /not numeric or not a positive number/],
    ['--key-delimiter ab', /only accepts a single character/],
    ['--scope', /Missing argument for --scope/],
    ['-q', /Unknown option -q/],
  ];
  for (const [args, re] of bad) {
    assert.throws(() => compileTemplate(`$(format-json ${args})`), (e: unknown) => e instanceof TemplateError && re.test(e.message), args);
  }
});

test('rekeying: --upper/--lower (syslog-ng 4), --replace-prefix, --subkeys, --shift-levels', () => {
  const m = msg();
  m.values.set('app.Name', 'x');
  m.values.set('app.sub.level', 'y');
  assert.equal(j('--scope none --key app.* --rekey app.* --upper', m), '{"APP":{"SUB":{"LEVEL":"y"},"NAME":"x"}}');
  assert.equal(j('--scope none --key app.* --rekey app.* --lower', m), '{"app":{"sub":{"level":"y"},"name":"x"}}');
  assert.equal(j('--scope none --subkeys app.', m), '{"sub":{"level":"y"},"Name":"x"}');
  assert.equal(j('--scope none --key app.* --rekey app.* --shift-levels 2', m), '{"level":"y","app":{"Name":"x"}}');
  assert.equal(j('--scope none --key app.* --rekey app.* --replace-prefix app=z', m), '{"z":{"sub":{"level":"y"},"Name":"x"}}');
});
