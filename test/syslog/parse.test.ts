import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeWithRawBytes } from '../../src/message/raw-bytes.ts';
import { LogMessage, MsgFlag, type Timestamp } from '../../src/message/log-message.ts';
import { resolveZone, utcZone } from '../../src/message/timezone.ts';
import { formatSdata } from '../../src/message/sdata.ts';
import { parseSdata } from '../../src/syslog/rfc5424-sdata.ts';
import {
  DEFAULT_PARSE_FLAGS,
  ParseFlag,
  defaultParseOptions,
  parseFlagsFromNames,
  parseMessage,
  type ParseOptions,
} from '../../src/syslog/parse.ts';

const CET = resolveZone('CET')!;
/** Fri Feb 8 09:37:49.123 CET 2019, syslog-ng's test clock */
const NOW: Timestamp = { sec: 1549615069, usec: 123000, gmtoff: 3600 };

function parse(input: string | Buffer, flags: string[] = [], extra: Partial<ParseOptions> = {}, now: Timestamp = NOW): LogMessage {
  const buf = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const opts = defaultParseOptions({
    flags: parseFlagsFromNames(flags, 0),
    now: () => now,
    localZone: CET,
    localHostname: 'me',
    daemonPid: 777,
    ...extra,
  });
  const msg = new LogMessage({ ...now });
  parseMessage(buf, 0, buf.length, opts, msg);
  return msg;
}

const iso = (ts: Timestamp) => {
  const d = new Date((ts.sec + ts.gmtoff) * 1000).toISOString().slice(0, 19);
  const a = Math.abs(ts.gmtoff);
  return `${d}${ts.gmtoff < 0 ? '-' : '+'}${String(Math.floor(a / 3600)).padStart(2, '0')}:${String((a % 3600) / 60).padStart(2, '0')}`;
};

test('RFC 5424: all header fields, fraction, zone, SD and BOM', () => {
  const m = parse('<165>1 2003-10-11T22:14:15.003Z host.example app 42 ID47 [a@1 x="1" y="2"][b] \ufeffhello', ['syslog-protocol']);
  assert.equal(m.pri, 165);
  assert.deepEqual(m.stamp, { sec: 1065910455, usec: 3000, gmtoff: 0 });
  assert.equal(m.host, 'host.example');
  assert.equal(m.program, 'app');
  assert.equal(m.pid, '42');
  assert.equal(m.msgid, 'ID47');
  assert.equal(m.message, 'hello');
  assert.equal(m.msgformat, 'syslog:rfc5424');
  assert.equal(formatSdata(m), '[a@1 x="1" y="2"][b]');
  assert.ok(m.flags & MsgFlag.UTF8);
});

test('RFC 5424: nil values are empty, "-" timestamp is now in the local zone', () => {
  const m = parse('<13>1 - - - - - -', ['syslog-protocol']);
  assert.equal(m.host, '');
  assert.equal(m.program, '');
  assert.equal(m.message, '');
  assert.equal(m.stamp.sec, NOW.sec);
  assert.equal(m.stamp.gmtoff, 3600);
  assert.ok(m.hasTag('syslog.missing_timestamp'));
  assert.ok(m.flags & MsgFlag.NO_HOST);
});

test('RFC 5424: exactly one space before MSG, the rest belongs to it', () => {
  assert.equal(parse('<13>1 - h a - - -  two', ['syslog-protocol']).message, ' two');
});

test('RFC 5424: APP-NAME, PROCID, MSGID are cut to 48, 128, 32 bytes', () => {
  const m = parse(`<13>1 - h ${'a'.repeat(60)} ${'p'.repeat(140)} ${'i'.repeat(40)} - x`, ['syslog-protocol']);
  assert.equal(m.program, 'a'.repeat(48));
  assert.equal(m.pid, 'p'.repeat(128));
  assert.equal(m.msgid, 'i'.repeat(32));
});

test('RFC 5424: HOSTNAME over 255 bytes is a parse error, marker before the hostname', () => {
  const line = `<13>1 - ${'h'.repeat(256)} app - - -`;
  const m = parse(line, ['syslog-protocol', 'piggyback-errors']);
  assert.equal(m.message, `Error processing log message: <13>1 - >@<${'h'.repeat(256)} app - - -`);
});

test('RFC 5424: SD escapes, unquoted values, backslash before other characters kept', () => {
  const m = parse('<13>1 - h a - - [x q="a\\"b\\]c\\\\d\\e" u=plain] m', ['syslog-protocol']);
  assert.deepEqual(m.sd, [{ id: 'x', params: [['q', 'a"b]c\\d\\e'], ['u', 'plain']] }]);
});

test('RFC 5424: invalid SD is an error with the marker where parsing stopped', () => {
  const m = parse('<13>1 - h a - - [x q="a]"] m', ['syslog-protocol', 'piggyback-errors']);
  assert.equal(m.message, 'Error processing log message: <13>1 - h a - - [x q="a>@<]"] m');
  const n = parse('<13>1 - h a - - [  x q="1"] m', ['syslog-protocol']);
  assert.equal(n.msgformat, 'syslog-error');
  assert.ok(n.hasTag('syslog.rfc5424_invalid_sdata'));
  assert.equal(n.message, '<13>1 - h a - - [  x q="1"] m');
});

test('RFC 5424: one space after "[" is skipped, as AxoSyslog 4.27 does', () => {
  const spaced = parse('<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [ exampleSDID@0 iut="3"] msg', ['syslog-protocol']);
  const plain = parse('<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@0 iut="3"] msg', ['syslog-protocol']);
  assert.equal(spaced.msgformat, plain.msgformat);
  assert.deepEqual(spaced.sd, [{ id: 'exampleSDID@0', params: [['iut', '3']] }]);
  assert.deepEqual(spaced.sd, plain.sd);
  assert.equal(spaced.message, 'msg');
  assert.equal(spaced.msgid, 'ID47');
  assert.equal(spaced.hasTag('syslog.rfc5424_invalid_sdata'), false);
  // after every "[", and together with the tolerated space before "]" (AxoSyslog's own test case)
  const both = parse('<13>1 - h a - - [ foo@1.2.3.4 bar="baz" chew="chow" ][ e ][bar another=1 ] m', ['syslog-protocol']);
  assert.equal(formatSdata(both), '[foo@1.2.3.4 bar="baz" chew="chow"][e][bar another="1"]');
  assert.equal(both.message, 'm');
});

test('RFC 5424: "[ ]" and a second space after "[" fail at the byte after the skipped space', () => {
  // the parser stops on the byte after the space, as 4.27 does ...
  const at = (sd: string) => -parseSdata(Buffer.from(sd), 0, sd.length, { sdataPrefix: '.SDATA.', sdataParamValueMax: 65535 }, new LogMessage({ ...NOW })) - 1;
  assert.equal(at('[ ]'), 2);
  assert.equal(at('[  x]'), 2);
  assert.equal(at('[x][ ]'), 5);
  // ... and, as syslog-ng, the piggybacked report puts ">@<" one byte before that position
  const empty = parse('<13>1 - h a - - [ ] m', ['syslog-protocol', 'piggyback-errors']);
  assert.equal(empty.message, 'Error processing log message: <13>1 - h a - - [>@< ] m');
  const two = parse('<13>1 - h a - - [  x] m', ['syslog-protocol', 'piggyback-errors']);
  assert.equal(two.message, 'Error processing log message: <13>1 - h a - - [>@<  x] m');
  const tagged = parse('<13>1 - h a - - [ ] m', ['syslog-protocol']);
  assert.equal(tagged.msgformat, 'syslog-error');
  assert.ok(tagged.hasTag('syslog.rfc5424_invalid_sdata'));
});

test('RFC 5424: a space before "]" is tolerated', () => {
  const m = parse('<13>1 - h a - - [x q="1" ][y ] m', ['syslog-protocol']);
  assert.equal(formatSdata(m), '[x q="1"][y]');
  assert.equal(m.message, 'm');
});

test('RFC 5424: SD names may exceed 32 but not 255 bytes with the .SDATA. prefix', () => {
  const ok = parse(`<13>1 - h a - - [${'i'.repeat(200)} ${'p'.repeat(47)}="v"] m`, ['syslog-protocol']);
  assert.equal(ok.msgformat, 'syslog:rfc5424');
  const bad = parse(`<13>1 - h a - - [${'i'.repeat(200)} ${'p'.repeat(48)}="v"] m`, ['syslog-protocol']);
  assert.equal(bad.msgformat, 'syslog-error');
});

test('RFC 5424: SD values are cut at sdataParamValueMax bytes; other sdata-prefix goes to values', () => {
  const m = parse('<13>1 - h a - - [x v="abcdef"] m', ['syslog-protocol'], { sdataParamValueMax: 3 });
  assert.deepEqual(m.sd[0].params, [['v', 'abc']]);
  const n = parse('<13>1 - h a - - [x v="1"][e] m', ['syslog-protocol'], { sdataPrefix: '.mysd.' });
  assert.equal(n.values.get('.mysd.x.v'), '1');
  assert.equal(n.values.get('.mysd.e'), '');
  assert.equal(n.sd.length, 0);
});

test('RFC 5424: anything but a space after the SD column is an error (also when the SD is missing)', () => {
  assert.equal(parse('<13>1 - h a - - hello', ['syslog-protocol']).msgformat, 'syslog-error');
  assert.equal(parse('<13>1 - h a - - [x]y', ['syslog-protocol']).msgformat, 'syslog-error');
  assert.equal(parse('<13>1 - h a - - [x]', ['syslog-protocol']).msgformat, 'syslog:rfc5424');
});

test('VERSION other than 1 falls back to RFC 3164, unless no-rfc3164-fallback', () => {
  const m = parse('<13>2 - h a - - - m', ['syslog-protocol']);
  assert.equal(m.msgformat, 'syslog:rfc3164');
  assert.equal(m.program, '2');
  const n = parse('<13>2 - h a - - - m', ['syslog-protocol', 'no-rfc3164-fallback', 'piggyback-errors']);
  assert.equal(n.message, 'Error processing log message: <13>2 - h a - - - m');
});

test('piggyback-errors message: PRI 43, PROGRAM syslog-ng, daemon PID, local HOST, receipt time, syslog-error', () => {
  const m = parse('<13>1 2024-09-16Q11:22:33Z h a - - - m', ['syslog-protocol', 'piggyback-errors', 'store-raw-message']);
  assert.equal(m.pri, 43);
  assert.equal(m.program, 'syslog-ng');
  assert.equal(m.pid, '777');
  assert.equal(m.host, 'me');
  assert.equal(m.msgformat, 'syslog-error');
  assert.deepEqual(m.stamp, NOW);
  assert.deepEqual(m.tags, []);
  assert.equal(m.values.size, 0);
  assert.equal(m.flags, MsgFlag.LOCAL | MsgFlag.PARSE_ERROR);
  // the marker goes one byte before the stop position, as syslog-ng prints it
  assert.equal(m.message, 'Error processing log message: <13>1>@< 2024-09-16Q11:22:33Z h a - - - m');
});

test('without piggyback-errors a failed line keeps its tags and becomes MESSAGE as is', () => {
  const m = parse('<13>1 2024-09-16Q11:22:33Z h a - - - m\n', ['syslog-protocol']);
  assert.equal(m.message, '<13>1 2024-09-16Q11:22:33Z h a - - - m\n');
  assert.ok(m.hasTag('syslog.missing_timestamp'));
  assert.equal(m.msgformat, 'syslog-error');
});

test('PRI: missing uses the default (user.notice, kern.notice with kernel, or defaultPri); invalid keeps the line', () => {
  const a = parse('Jan  1 00:00:00 h p: m', ['expect-hostname']);
  assert.equal(a.pri, 13);
  assert.ok(a.hasTag('syslog.missing_pri'));
  assert.equal(parse('x', ['kernel']).pri, 5);
  assert.equal(parse('x', [], { defaultPri: 8 * 16 + 4 }).pri, 132);
  const b = parse('<13 Feb  3 12:34:56 host p: m', ['expect-hostname']);
  assert.ok(b.hasTag('syslog.invalid_pri'));
  assert.equal(b.message, '<13 Feb  3 12:34:56 host p: m');
  assert.equal(b.msgformat, 'syslog:rfc3164');
});

test('RFC 3164 with hostname, program[pid]: and the legacy header', () => {
  const m = parse('<38>Feb 11 10:34:56 bzorp syslog-ng[23323]: hello', ['expect-hostname', 'store-legacy-msghdr']);
  assert.equal(m.host, 'bzorp');
  assert.equal(m.program, 'syslog-ng');
  assert.equal(m.pid, '23323');
  assert.equal(m.legacyMsghdr, 'syslog-ng[23323]: ');
  assert.equal(m.message, 'hello');
  assert.equal(iso(m.stamp), '2019-02-11T10:34:56+01:00');
  assert.equal(parse('<38>Feb 11 10:34:56 bzorp prog: x', ['expect-hostname']).legacyMsghdr, '');
});

test('RFC 3164 without hostname (no-hostname)', () => {
  const m = parse('<0>Jan 10 01:00:00 prg0: msgtxt', []);
  assert.equal(m.host, '');
  assert.equal(m.program, 'prg0');
  assert.equal(m.message, 'msgtxt');
});

test('RFC 3164: no timestamp means no hostname, PROGRAM first; kernel lines from local sources', () => {
  const m = parse('<189> program[pid]: message', ['expect-hostname']);
  assert.equal(m.host, '');
  assert.equal(m.program, 'program');
  assert.equal(m.pid, 'pid');
  assert.ok(m.hasTag('syslog.rfc3164_missing_header'));
  assert.deepEqual(m.stamp, NOW);
  const k = parse('<4>something happened', ['expect-hostname'], { flags: ParseFlag.EXPECT_HOSTNAME | ParseFlag.LOCAL });
  assert.equal(k.program, 'kernel');
  assert.equal(k.message, 'something happened');
  assert.ok(k.flags & MsgFlag.LOCAL);
});

test('year guessing: December stamp in January is last year, January stamp in December next year', () => {
  const jan: Timestamp = { sec: Date.UTC(2020, 0, 2) / 1000, usec: 0, gmtoff: 3600 };
  assert.equal(iso(parse('<13>Dec 31 23:00:00 h p: m', ['expect-hostname'], {}, jan).stamp), '2019-12-31T23:00:00+01:00');
  const dec: Timestamp = { sec: Date.UTC(2020, 11, 30) / 1000, usec: 0, gmtoff: 3600 };
  assert.equal(iso(parse('<13>Jan  1 01:00:00 h p: m', ['expect-hostname'], {}, dec).stamp), '2021-01-01T01:00:00+01:00');
});

test('zone-less stamps: local zone at the stamp time; time-zone() offset at the current time (as syslog-ng)', () => {
  assert.equal(iso(parse('<13>Aug 29 02:00:00 h p: m', ['expect-hostname']).stamp), '2019-08-29T02:00:00+02:00');
  const tz = resolveZone('Europe/Budapest')!;
  assert.equal(iso(parse('<13>Aug 29 02:00:00 h p: m', ['expect-hostname'], { timeZone: tz }).stamp), '2019-08-29T02:00:00+01:00');
  assert.equal(iso(parse('<13>1 2006-11-10T10:43:21 h a - - -', ['syslog-protocol'], { timeZone: utcZone }).stamp), '2006-11-10T10:43:21+00:00');
});

test('vendor stamps: ISO in 3164, PIX/ASA with year and colon, Linksys year after time, fractions', () => {
  const a = parse('<190>Apr 15 2007 21:28:13: %ASA-6-302013: Built', ['expect-hostname']);
  assert.equal(iso(a.stamp), '2007-04-15T21:28:13+02:00');
  assert.equal(a.host, '');
  assert.equal(a.program, '%ASA-6-302013');
  assert.equal(a.message, 'Built');
  const l = parse('<190>Apr 15 21:28:13 2007 linksys app: msg', ['expect-hostname']);
  assert.equal(iso(l.stamp), '2007-04-15T21:28:13+02:00');
  assert.equal(l.host, 'linksys');
  const f = parse('<7>Aug 29 02:00:00,5 h p: m', ['expect-hostname']);
  assert.equal(f.stamp.usec, 500000);
  const i = parse('<7>2006-11-10 10:43:21.156+02:00 bzorp p: m', ['expect-hostname']);
  assert.deepEqual(i.stamp, { sec: 1163148201, usec: 156000, gmtoff: 7200 });
});

test('Cisco: sequence number and clock-sync marks become SD', () => {
  const m = parse('<189>65536: *Jan  1 00:00:00: %SYS-5-CONFIG_I: Configured', ['expect-hostname']);
  assert.equal(formatSdata(m), '[meta sequenceId="65536"][timeQuality isSynced="0"]');
  assert.equal(m.program, '%SYS-5-CONFIG_I');
  assert.equal(m.message, 'Configured');
});

test('AIX forwarded and "last message repeated" lines', () => {
  const a = parse('<13>Jan  1 00:00:00 Message forwarded from aixhost: prog[1]: hi', ['expect-hostname']);
  assert.equal(a.host, 'aixhost');
  assert.equal(a.program, 'prog');
  assert.equal(a.message, 'hi');
  const r = parse('<13>Jan  1 00:00:00 last message repeated 3 times', ['expect-hostname']);
  assert.equal(r.program, '');
  assert.equal(r.message, 'last message repeated 3 times');
});

test('hostname: IPv6 addresses, ":" ends a non-address, check-hostname, bad-hostname', () => {
  assert.equal(parse('<0>Jan 10 01:00:00 0001:BABA:BA00:DAB::BAB0 prg0', ['expect-hostname']).host, '0001:BABA:BA00:DAB::BAB0');
  const c = parse('<0>Jan 10 01:00:00 prog: text', ['expect-hostname']);
  assert.equal(c.host, '');
  assert.equal(c.program, 'prog');
  assert.ok(c.hasTag('syslog.invalid_hostname'));
  const h = parse('<0>Jan 10 01:00:00 bad!host p: m', ['expect-hostname', 'check-hostname']);
  assert.equal(h.host, '');
  assert.equal(h.program, 'bad!host');
  const b = parse('<7> Aug 29 02:00:00 ctld snmpd[2499]: x', ['expect-hostname'], { badHostname: /^ctld/ });
  assert.equal(b.host, '');
  assert.equal(b.program, 'ctld');
  assert.equal(b.message, 'snmpd[2499]: x');
});

test('check-program: letters required, only .-_()/ besides digits', () => {
  const ok = parse('<189> Feb  3 12:34:56 host prog_1.a/b(c)[1]: m', ['expect-hostname', 'check-program']);
  assert.equal(ok.program, 'prog_1.a/b(c)');
  for (const bad of ['127.0.0.1[pid]: message', 'program![pid]: message']) {
    const m = parse(`<189> Feb  3 12:34:56 host ${bad}`, ['expect-hostname', 'check-program']);
    assert.equal(m.program, '');
    assert.equal(m.message, bad);
    assert.ok(m.hasTag('syslog.rfc3164_invalid_program'));
  }
});

test('no-header, no-parse, store-raw-message, trailing LF/NUL', () => {
  const h = parse('<189>some message', ['no-header']);
  assert.equal(h.pri, 189);
  assert.equal(h.message, 'some message');
  const n = parse('<13>1 - h a - - - m\n', ['no-parse']);
  assert.equal(n.message, '<13>1 - h a - - - m');
  assert.equal(n.pri, 13);
  assert.equal(n.msgformat, 'raw');
  const r = parse('<13>Jan  1 00:00:00 h p: m\r\n\0', ['expect-hostname', 'store-raw-message']);
  assert.equal(r.values.get('RAWMSG'), '<13>Jan  1 00:00:00 h p: m\r');
  assert.equal(r.message, 'm\r');
});

test('no-multi-line turns CR, LF and NUL into spaces', () => {
  assert.equal(parse('<13>1 - h a - - - a\nb\rc\0d', ['syslog-protocol', 'no-multi-line']).message, 'a b c d');
});

test('keep-timestamp(no) uses the receipt time (re-expressed in time-zone())', () => {
  const m = parse('<13>Jan  1 00:00:00 h p: m', ['expect-hostname'], { keepTimestamp: false, timeZone: utcZone });
  assert.deepEqual(m.stamp, { sec: NOW.sec, usec: NOW.usec, gmtoff: 0 });
});

test('guess-timezone re-labels a stamp that is off from now by whole quarter hours', () => {
  // the sender wrote UTC wall clock with a +01:00 label: 1 hour in the future
  const m = parse('<13>1 2019-02-08T08:37:50+00:00 h a - - -', ['syslog-protocol', 'guess-timezone']);
  assert.equal(iso(m.stamp), '2019-02-08T08:37:50+00:00');
  const n = parse('<13>1 2019-02-08T09:37:50+00:00 h a - - -', ['syslog-protocol', 'guess-timezone']);
  assert.equal(n.stamp.gmtoff, 3600);
  assert.equal(n.stamp.sec, NOW.sec + 1);
});

test('UTF-8: validate, sanitize, assume; invalid bytes are kept as escapes and flagged', () => {
  const bad = Buffer.from('<13>1 - h a - - - caf\xe9 \\', 'latin1');
  const s = parse(bad, ['syslog-protocol', 'sanitize-utf8']);
  assert.equal(s.message, 'caf\\xe9 \\\\');
  assert.ok(s.hasTag('message.utf8_sanitized'));
  const v = parse(bad, ['syslog-protocol', 'validate-utf8']);
  assert.equal(v.message, 'caf\udce9 \\');
  assert.equal(v.flags & MsgFlag.UTF8, 0);
  assert.ok(v.flags & MsgFlag.RAW_BYTES);
  assert.deepEqual(encodeWithRawBytes(v.message), Buffer.from('caf\xe9 \\', 'latin1'));
  assert.ok(parse('<13>1 - h a - - - café', ['syslog-protocol', 'validate-utf8']).flags & MsgFlag.UTF8);
  assert.ok(parse(bad, ['syslog-protocol', 'assume-utf8']).flags & MsgFlag.UTF8);
  assert.equal(parse('<13>Jan  1 00:00:00 h p: árvíz', ['expect-hostname']).message, 'árvíz');
});

test('a leading octet count inside a message is skipped and tagged; 11 digits are not a count', () => {
  // syslog-ng skips the digits but not the space, so the <PRI> after it is not recognised
  const m = parse('45 <13>1 - h a - - - m', ['syslog-protocol']);
  assert.ok(m.hasTag('syslog.unexpected_framing'));
  assert.ok(m.hasTag('syslog.missing_pri'));
  assert.equal(m.program, '<13>1');
  assert.equal(m.message, '- h a - - - m');
  const n = parse('99999999999 a', ['expect-hostname']);
  assert.ok(!n.hasTag('syslog.unexpected_framing'));
});

test('parseFlagsFromNames: defaults, negative words, underscores, unknown words', () => {
  assert.equal(parseFlagsFromNames([]), DEFAULT_PARSE_FLAGS);
  const f = parseFlagsFromNames(['no-hostname', 'dont_store_legacy_msghdr', 'no-piggyback-errors', 'syslog_protocol']);
  assert.equal(f, ParseFlag.SYSLOG_PROTOCOL);
  assert.equal(parseFlagsFromNames(['kernel', 'empty-lines'], 0), ParseFlag.KERNEL | ParseFlag.EMPTY_LINES);
  assert.throws(() => parseFlagsFromNames(['bogus']), { message: 'Unknown flag "bogus"' });
  assert.equal(defaultParseOptions({ flags: ParseFlag.KERNEL }).defaultPri, 5);
});

test('out-of-range time fields: syslog-ng gives back the hours mktime() carried, so 24:00 lands a day late', () => {
  // 24:00:00 → next day 00:00, plus the 24 "lost" hours
  const a = parse('<13>1 2020-01-01T24:00:00Z h a - - - m', ['syslog-protocol']);
  assert.equal(iso(a.stamp), '2020-01-03T00:00:00+00:00');
  // 10:59:60 → 11:00:00, minus the hour gained
  const b = parse('<13>2020-01-01T10:59:60Z h p: m', ['expect-hostname']);
  assert.equal(iso(b.stamp), '2020-01-01T10:00:00+00:00');
  // in-range stamps are untouched
  assert.equal(iso(parse('<13>1 2020-01-01T23:59:59Z h a - - - m', ['syslog-protocol']).stamp), '2020-01-01T23:59:59+00:00');
});

test('SD: a repeated SD-ID after another one stays a separate element; a repeated param overwrites in place', () => {
  const m = parse('<13>1 - h a - - [a x="1"][b y="2"][a z="3"][b y="4"] m', ['syslog-protocol']);
  assert.equal(formatSdata(m), '[a x="1"][b y="4"][a z="3"]');
  assert.equal(m.get('.SDATA.a.z'), '3');
  assert.equal(formatSdata(parse('<13>1 - h a - - [t][g k="v"][t q="w"] m', ['syslog-protocol'])), '[t][g k="v"][t q="w"]');
});

test('piggyback-errors: each half of the report ends at its first NUL byte (printf %.*s)', () => {
  const m = parse(Buffer.from('<13>1 2020-01-01T00:00:00Z h a - - [x y] a\0b', 'latin1'), ['syslog-protocol', 'piggyback-errors']);
  assert.equal(m.message, 'Error processing log message: <13>1 2020-01-01T00:00:00Z h a - - [x >@<y] a');
  const n = parse(Buffer.from('<13>2 a\0b', 'latin1'), ['syslog-protocol', 'no-rfc3164-fallback', 'piggyback-errors']);
  assert.equal(n.message, 'Error processing log message: <13>2 a');
});

test('a PRI whose ${BSDTAG} letter is past 0x7f marks the message RAW_BYTES', () => {
  assert.notEqual(parse('<999>Jan  1 00:00:00 h p: m', ['expect-hostname']).flags & MsgFlag.RAW_BYTES, 0);
  assert.equal(parse('<191>Jan  1 00:00:00 h p: m', ['expect-hostname']).flags & MsgFlag.RAW_BYTES, 0);
});
