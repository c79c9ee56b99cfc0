import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Lexer, parseNumber, type Token } from '../../src/config/lexer.ts';
import { ConfigError } from '../../src/config/errors.ts';

function toks(text: string, lookup?: (n: string) => string | undefined): Token[] {
  return Lexer.tokenize(text, 'l.conf', lookup).filter((t) => t.kind !== 'eof');
}
const kinds = (text: string) => toks(text).map((t) => `${t.kind}:${t.text}`);
const str = (text: string) => {
  const t = toks(text);
  assert.equal(t.length, 1);
  assert.equal(t[0].kind, 'string');
  return t[0].text;
};

test('double-quoted strings: every escape', () => {
  assert.equal(str('"a\\ab"'), 'a\x07b');
  assert.equal(str('"\\n\\r\\t\\v"'), '\n\r\t\v');
  assert.equal(str('"\\x41\\x4a\\x7"'), 'AJ\x07');
  assert.equal(str('"\\xZZ"'), 'xZZ');
  assert.equal(str('"\\o101\\o7"'), 'A\x07');
  assert.equal(str('"\\"quoted\\" \\\\ \\q"'), '"quoted" \\ q');
  assert.equal(str('"line1\nline2"'), 'line1\nline2');
  assert.equal(str('"joined \\\nhere"'), 'joined here');
});

test("single-quoted strings are raw", () => {
  assert.equal(str("'a\\nb\\x41'"), 'a\\nb\\x41');
  assert.equal(str("'two\nlines'"), 'two\nlines');
  assert.equal(str("'keep \\\nbackslash'"), 'keep \\\nbackslash');
});

test('unterminated strings point at the opening quote', () => {
  assert.throws(() => toks('x "abc'), (e: unknown) => e instanceof ConfigError && e.loc?.column === 3 && /unterminated/.test(e.message));
  assert.throws(() => toks("\n  'abc"), (e: unknown) => e instanceof ConfigError && e.loc?.line === 2 && e.loc?.column === 3);
});

function lexError(text: string, lookup?: (n: string) => string | undefined): ConfigError {
  try {
    toks(text, lookup);
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    return e;
  }
  assert.fail('no error');
}

test('an unterminated string names the missing quote', () => {
  const d = lexError('a\nb\ndestination d { file("/tmp/out.log); };\n');
  assert.deepEqual([d.loc?.line, d.loc?.column], [3, 22]);
  assert.match(d.message, /^unterminated string literal: the " opened here is never closed$/);
  assert.equal(d.hint, 'add the missing closing " where the string should end');
  const s = lexError("x 'abc");
  assert.match(s.message, /the ' opened here is never closed/);
  assert.equal(s.hint, "add the missing closing ' where the string should end");
});

test('a missing quote is reported where the string that swallowed the text opened, not at the end of the file', () => {
  // the string opened at 3:22 runs to the quote on line 4; the quote after `d` then opens a string the file never closes
  const text = '@version: 4.27\nsource s { file("/tmp/in.log"); };\ndestination d { file("/tmp/out.log); };\nlog { source(s); destination("d"); };\n';
  const e = lexError(text);
  assert.deepEqual([e.loc?.line, e.loc?.column], [3, 22]);
  assert.match(e.message, /^unterminated string literal: the string opened here runs on to line 4, and the one opened at 4:32 is still open at the end of the file$/);
  assert.equal(e.hint, 'the closing " of the string opened here (line 3) is probably missing');
  assert.equal(e.sourceLine, 'destination d { file("/tmp/out.log); };');
  // a string kept on several lines on purpose (continued with a backslash) is no suspect
  const continued = lexError('t("a \\\nb")\nx "open');
  assert.deepEqual([continued.loc?.line, continued.loc?.column], [3, 3]);
  // text substituted from a backtick reference is no suspect either
  const virt = lexError('t("`nl`")\nx "open', (n) => (n === 'nl' ? 'a\nb' : undefined));
  assert.deepEqual([virt.loc?.line, virt.loc?.column], [2, 3]);
});

test('numbers: bases and size suffixes', () => {
  assert.equal(parseNumber('514'), 514);
  assert.equal(parseNumber('-1'), -1);
  assert.equal(parseNumber('+7'), 7);
  assert.equal(parseNumber('0x1F'), 31);
  assert.equal(parseNumber('0644'), 0o644);
  assert.equal(parseNumber('0'), 0);
  assert.equal(parseNumber('64k'), 64000);
  assert.equal(parseNumber('64K'), 64000);
  assert.equal(parseNumber('64KiB'), 65536);
  assert.equal(parseNumber('64kib'), 65536);
  assert.equal(parseNumber('2MB'), 2000000);
  assert.equal(parseNumber('2MiB'), 2097152);
  assert.equal(parseNumber('1G'), 1e9);
  assert.equal(parseNumber('1Gi'), 1073741824);
  assert.equal(parseNumber('10b'), 10);
  assert.equal(parseNumber('abc'), undefined);
  assert.equal(parseNumber('08'), undefined);
  const [n] = toks('64KiB');
  assert.equal(n.kind, 'number');
  assert.equal(n.value, 65536);
  assert.equal(n.text, '64KiB');
});

test('floats', () => {
  const [f] = toks('1.5');
  assert.equal(f.kind, 'float');
  assert.equal(f.value, 1.5);
  const [g] = toks('-0.25');
  assert.equal(g.value, -0.25);
});

test('bare words: dots between runs, stop characters', () => {
  assert.deepEqual(kinds('10.1.2.3 /var/log/app.log s_net localhost'), ['word:10.1.2.3', 'word:/var/log/app.log', 'word:s_net', 'word:localhost']);
  assert.deepEqual(kinds('a(b)c{d}e;f'), ['word:a', '(:(', 'word:b', '):)', 'word:c', '{:{', 'word:d', '}:}', 'word:e', ';:;', 'word:f']);
  assert.deepEqual(kinds('$PROGRAM == "x"'), ['word:$PROGRAM', 'word:==', 'string:x']);
  assert.throws(() => toks('host:514'), (e: unknown) => e instanceof ConfigError && e.loc?.column === 5);
});

test('ranges and the => arrow', () => {
  assert.deepEqual(kinds('local0..local7 err..emerg'), ['word:local0', '..:..', 'word:local7', 'word:err', '..:..', 'word:emerg']);
  assert.deepEqual(kinds('"CipherString" => "X",'), ['string:CipherString', '=>:=>', 'string:X']);
});

test('comments, commas and line continuation are blank', () => {
  assert.deepEqual(kinds('a, b # comment "not a string"\nc\\\nd'), ['word:a', 'word:b', 'word:c', 'word:d']);
  assert.deepEqual(kinds('"x#y" # c'), ['string:x#y']);
});

test('every token carries file:line:col', () => {
  const t = toks('source s {\n  network(port(514));\n};');
  const net = t.find((x) => x.text === 'network')!;
  assert.deepEqual(net.loc, { file: 'l.conf', line: 2, column: 3 });
  const port = t.find((x) => x.text === '514')!;
  assert.deepEqual(port.loc, { file: 'l.conf', line: 2, column: 16 });
});

test('pragma lines become one token with their arguments', () => {
  const t = Lexer.tokenize('@version: 4.27\n@include "x.conf"\nsource', 'p.conf');
  assert.equal(t[0].kind, 'pragma');
  assert.equal(t[0].text, 'version');
  assert.deepEqual(t[0].args!.map((a) => a.text), [':', '4.27']);
  assert.equal(t[1].kind, 'pragma');
  assert.equal(t[1].args![0].text, 'x.conf');
  assert.equal(t[2].text, 'source');
  assert.equal(t[2].loc.line, 3);
});

test('backtick substitution in words, strings and raw strings', () => {
  const defs: Record<string, string> = { port: '6514', host: 'logs.example', dir: '/etc/x' };
  const lookup = (n: string) => defs[n];
  const t = toks('port(`port`) "`host`:1" \'`dir`/a\' pre`port`post ``', lookup);
  assert.deepEqual(t.map((x) => `${x.kind}:${x.text}`), ['word:port', '(:(', 'number:6514', '):)', 'string:logs.example:1', "string:/etc/x/a", 'word:pre6514post', 'word:`']);
  // tokens from substituted text carry the backtick's location; later tokens keep real columns
  assert.equal(t[2].loc.column, 6);
  assert.equal(t[3].loc.column, 12);
  assert.equal(toks('`nope`x', lookup)[0].text, 'x');
  assert.throws(() => toks('a `open', lookup), (e: unknown) => e instanceof ConfigError && /missing closing backtick/.test(e.message));
});

test('unexpected characters are errors at their column', () => {
  assert.throws(() => toks('ok [x]'), (e: unknown) => e instanceof ConfigError && e.loc?.column === 4 && /unexpected character '\['/.test(e.message));
  assert.throws(() => toks('a | b'), (e: unknown) => e instanceof ConfigError && e.loc?.column === 3);
});
