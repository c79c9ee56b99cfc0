import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LogMessage, MsgFlag, type Timestamp } from '../../src/message/log-message.ts';
import { resolveZone } from '../../src/message/timezone.ts';
import { createFormatter, type FormatOptions } from '../../src/syslog/format/create.ts';
import { headerField, SyslogProtocolFormatter } from '../../src/syslog/format/syslog-protocol.ts';
import { BsdLineFormatter, FileLineFormatter } from '../../src/syslog/format/legacy.ts';
import { formatSdata as formatSdataWithSeq } from '../../src/message/sdata.ts';
import { formatMsghdr as msgHeader } from '../../src/message/macros.ts';
import { BatchEncoder } from '../../src/syslog/framing/batch-encoder.ts';

/** `YYYY-MM-DDTHH:MM:SS[.ffffff]±HH:MM` → Timestamp */
function ts(iso: string): Timestamp {
  const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?([+-])(\d\d):(\d\d)$/.exec(iso);
  assert.ok(m, iso);
  const off = (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 3600 + Number(m[10]) * 60);
  const wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) / 1000;
  return { sec: wall - off, usec: m[7] ? Number(m[7].padEnd(6, '0')) : 0, gmtoff: off };
}

interface Fields {
  pri: number;
  stamp: string;
  host?: string;
  program?: string;
  pid?: string;
  msgid?: string;
  message?: string;
  legacyMsghdr?: string;
  sd?: Array<[string, Array<[string, string]>]>;
  flags?: number;
}

function mk(f: Fields): LogMessage {
  const m = new LogMessage(ts(f.stamp));
  m.pri = f.pri;
  m.stamp = ts(f.stamp);
  m.host = f.host ?? '';
  m.program = f.program ?? '';
  m.pid = f.pid ?? '';
  m.msgid = f.msgid ?? '';
  m.message = f.message ?? '';
  m.legacyMsghdr = f.legacyMsghdr ?? '';
  m.sd = (f.sd ?? []).map(([id, params]) => ({ id, params: params.map((p) => [p[0], p[1]] as [string, string]) }));
  m.flags = f.flags ?? 0;
  return m;
}

const out = (r: Buffer | string) => (typeof r === 'string' ? Buffer.from(r, 'utf8') : r).toString('latin1');
/** the wire bytes of one syslog() record over TCP: octet count + message */
function framed(rec: Buffer | string): string {
  const enc = new BatchEncoder({ framing: 'octet-counted' });
  enc.add(rec);
  return enc.take().toString('latin1');
}
const u = (s: string) => Buffer.from(s, 'utf8').toString('latin1');

/**
 * Captured from syslog-ng 3.38.1 on loopback: these lines went into a
 * network(flags(syslog-protocol)) source (keep-hostname(yes), local zone UTC)
 * and each destination's bytes were read by a plain TCP listener. The
 * messages below are what syslog-ng's parser made of each line.
 */
const captured: Array<{ input: string; msg: Fields; expect: Record<string, string> }> = [
  {
    input: '<132>1 2006-10-29T01:59:59.156+01:00 mymachine evntslog 3535 ID47 [exampleSDID@0 iut="3"] An application event',
    msg: {
      pri: 132,
      stamp: '2006-10-29T01:59:59.156+01:00',
      host: 'mymachine',
      program: 'evntslog',
      pid: '3535',
      msgid: 'ID47',
      sd: [['exampleSDID@0', [['iut', '3']]]],
      message: 'An application event',
    },
    expect: {
      syslog: '107 <132>1 2006-10-29T01:59:59+01:00 mymachine evntslog 3535 ID47 [exampleSDID@0 iut="3"] An application event\n',
      syslogFrac6Tz: '114 <132>1 2006-10-29T02:59:59.156000+02:00 mymachine evntslog 3535 ID47 [exampleSDID@0 iut="3"] An application event\n',
      network: '<132>Oct 29 01:59:59 mymachine evntslog[3535]: An application event\n',
      networkProto: '<132>1 2006-10-29T01:59:59+01:00 mymachine evntslog 3535 ID47 [exampleSDID@0 iut="3"] An application event\n',
      networkNmlFrac3: '<132>Oct 29 01:59:59.156 mymachine evntslog[3535]: An application event\n',
      file: 'Oct 29 01:59:59 mymachine evntslog[3535]: An application event\n',
      fileIsoFrac2: '2006-10-29T01:59:59.15+01:00 mymachine evntslog[3535]: An application event\n',
    },
  },
  {
    input: '<155>2006-02-11T10:34:56+01:00 bzorp syslog-ng[23323]:árvíz',
    msg: {
      pri: 155,
      stamp: '2006-02-11T10:34:56+01:00',
      host: 'bzorp',
      program: 'syslog-ng',
      pid: '23323',
      legacyMsghdr: 'syslog-ng[23323]:',
      message: 'árvíz',
    },
    expect: {
      syslog: u('67 <155>1 2006-02-11T10:34:56+01:00 bzorp syslog-ng 23323 - - árvíz\n'),
      syslogFrac6Tz: u('74 <155>1 2006-02-11T11:34:56.000000+02:00 bzorp syslog-ng 23323 - - árvíz\n'),
      network: u('<155>Feb 11 10:34:56 bzorp syslog-ng[23323]:árvíz\n'),
      networkNmlFrac3: u('<155>Feb 11 10:34:56.000 bzorp syslog-ng[23323]:árvíz\n'),
      file: u('Feb 11 10:34:56 bzorp syslog-ng[23323]:árvíz\n'),
      fileIsoFrac2: u('2006-02-11T10:34:56.00+01:00 bzorp syslog-ng[23323]:árvíz\n'),
    },
  },
  {
    input: '<13>1 2006-10-29T01:59:59Z host app - - -',
    msg: { pri: 13, stamp: '2006-10-29T01:59:59+00:00', host: 'host', program: 'app' },
    expect: {
      syslog: '48 <13>1 2006-10-29T01:59:59+00:00 host app - - - \n',
      network: '<13>Oct 29 01:59:59 host app: \n',
      networkProto: '<13>1 2006-10-29T01:59:59+00:00 host app - - - \n',
      file: 'Oct 29 01:59:59 host app: \n',
    },
  },
  {
    input: '<14>Feb  1 03:04:05 myhost prog: no pid',
    msg: { pri: 14, stamp: '2026-02-01T03:04:05+00:00', host: 'myhost', program: 'prog', legacyMsghdr: 'prog: ', message: 'no pid' },
    expect: {
      syslog: '57 <14>1 2026-02-01T03:04:05+00:00 myhost prog - - - no pid\n',
      syslogFrac6Tz: '64 <14>1 2026-02-01T05:04:05.000000+02:00 myhost prog - - - no pid\n',
      network: '<14>Feb  1 03:04:05 myhost prog: no pid\n',
      file: 'Feb  1 03:04:05 myhost prog: no pid\n',
      fileIsoFrac2: '2026-02-01T03:04:05.00+00:00 myhost prog: no pid\n',
    },
  },
  {
    input: '<14>Feb  1 03:04:05 myhost hello world',
    msg: { pri: 14, stamp: '2026-02-01T03:04:05+00:00', host: 'myhost', program: 'hello', legacyMsghdr: 'hello ', message: 'world' },
    expect: {
      syslog: '57 <14>1 2026-02-01T03:04:05+00:00 myhost hello - - - world\n',
      network: '<14>Feb  1 03:04:05 myhost hello world\n',
    },
  },
  {
    input: '<14>1 2006-10-29T01:59:59Z - - - - - nil fields',
    msg: { pri: 14, stamp: '2006-10-29T01:59:59+00:00', host: '127.0.0.1', message: 'nil fields' },
    expect: {
      syslog: '61 <14>1 2006-10-29T01:59:59+00:00 127.0.0.1 - - - - nil fields\n',
      network: '<14>Oct 29 01:59:59 127.0.0.1 nil fields\n',
      file: 'Oct 29 01:59:59 127.0.0.1 nil fields\n',
    },
  },
  {
    input: '<14>1 2006-10-29T01:59:59Z h p - - [x@1 a="1" b="2"][y@2] m',
    msg: {
      pri: 14,
      stamp: '2006-10-29T01:59:59+00:00',
      host: 'h',
      program: 'p',
      sd: [
        ['x@1', [['a', '1'], ['b', '2']]],
        ['y@2', []],
      ],
      message: 'm',
    },
    expect: {
      syslog: '65 <14>1 2006-10-29T01:59:59+00:00 h p - - [x@1 a="1" b="2"][y@2] m\n',
      network: '<14>Oct 29 01:59:59 h p: m\n',
    },
  },
  {
    input: '<14>1 2006-10-29T01:59:59Z h p - - - tab\\there\\rcr',
    msg: { pri: 14, stamp: '2006-10-29T01:59:59+00:00', host: 'h', program: 'p', message: 'tab\there\rcr' },
    expect: {
      syslog: '54 <14>1 2006-10-29T01:59:59+00:00 h p - - - tab\there\rcr\n',
      network: '<14>Oct 29 01:59:59 h p: tab\there\rcr\n',
      networkNmlFrac3: '<14>Oct 29 01:59:59.000 h p: tab\there cr\n',
      file: 'Oct 29 01:59:59 h p: tab\there\rcr\n',
    },
  },
  {
    input: '<14>1 2006-10-29T01:59:59Z h p - - [meta sequenceId="77"] has seq',
    msg: { pri: 14, stamp: '2006-10-29T01:59:59+00:00', host: 'h', program: 'p', sd: [['meta', [['sequenceId', '77']]]], message: 'has seq' },
    expect: {
      syslog: '71 <14>1 2006-10-29T01:59:59+00:00 h p - - [meta sequenceId="77"] has seq\n',
    },
  },
  {
    input: '(a syslog-ng parse error: a locally generated message)',
    msg: { pri: 43, stamp: '2026-11-23T11:38:21+00:00', host: '127.0.0.1', program: 'syslog-ng', pid: '7617', message: 'Error processing', flags: MsgFlag.LOCAL },
    expect: {
      syslog: '98 <43>1 2026-11-23T11:38:21+00:00 127.0.0.1 syslog-ng 7617 - [meta sequenceId="1"] Error processing\n',
      network: '<43>Nov 23 11:38:21 127.0.0.1 syslog-ng[7617]: Error processing\n',
      networkProto: '<43>1 2026-11-23T11:38:21+00:00 127.0.0.1 syslog-ng 7617 - [meta sequenceId="1"] Error processing\n',
    },
  },
  {
    input: '<13>1 2006-10-29T01:59:59Z host app 12 - - \\xEF\\xBB\\xBFhello bom',
    msg: { pri: 13, stamp: '2006-10-29T01:59:59+00:00', host: 'host', program: 'app', pid: '12', message: 'hello bom', flags: MsgFlag.UTF8 },
    expect: {
      syslog: '61 <13>1 2006-10-29T01:59:59+00:00 host app 12 - - \xef\xbb\xbfhello bom\n',
      syslogTemplate: '68 <13>1 2006-10-29T01:59:59+00:00 host app 12 - - \xef\xbb\xbf<hello bom> seq=\n',
      networkTemplate: 'T:hello bom',
    },
  },
  {
    input: '<13>1 2006-10-29T01:59:59Z host app 12 - - \\xEF\\xBB\\xBF',
    msg: { pri: 13, stamp: '2006-10-29T01:59:59+00:00', host: 'host', program: 'app', pid: '12', flags: MsgFlag.UTF8 },
    expect: {
      syslog: '49 <13>1 2006-10-29T01:59:59+00:00 host app 12 - - \n',
      syslogTemplate: '59 <13>1 2006-10-29T01:59:59+00:00 host app 12 - - \xef\xbb\xbf<> seq=\n',
      networkTemplate: 'T:',
    },
  },
  {
    input: '<13>1 2006-10-29T01:59:59Z host app 12 - [meta a="1"] x',
    msg: { pri: 13, stamp: '2006-10-29T01:59:59+00:00', host: 'host', program: 'app', pid: '12', sd: [['meta', [['a', '1']]]], message: 'x' },
    expect: {
      syslog: '61 <13>1 2006-10-29T01:59:59+00:00 host app 12 - [meta a="1"] x\n',
      syslogTemplate: '68 <13>1 2006-10-29T01:59:59+00:00 host app 12 - [meta a="1"] <x> seq=\n',
    },
  },
];

/** the destinations of the capture run, as formatter settings */
const plus2 = resolveZone('+02:00');
const seqText = (n: number) => (n === 0 ? '' : String(n));
const destinations: Record<string, { kind: 'syslog' | 'network' | 'file'; opts: FormatOptions & { syslogProtocol?: boolean }; frame: boolean }> = {
  syslog: { kind: 'syslog', opts: {}, frame: true },
  syslogFrac6Tz: { kind: 'syslog', opts: { fracDigits: 6, timeZone: plus2 }, frame: true },
  syslogTemplate: { kind: 'syslog', opts: { template: (m, seq) => `<${m.message}> seq=${seqText(seq)}` }, frame: true },
  network: { kind: 'network', opts: {}, frame: false },
  networkProto: { kind: 'network', opts: { syslogProtocol: true }, frame: false },
  networkNmlFrac3: { kind: 'network', opts: { noMultiLine: true, fracDigits: 3 }, frame: false },
  networkTemplate: { kind: 'network', opts: { template: (m) => `T:${m.message}` }, frame: false },
  file: { kind: 'file', opts: {}, frame: false },
  fileIsoFrac2: { kind: 'file', opts: { tsFormat: 'rfc3339', fracDigits: 2 }, frame: false },
};

test('byte-exact with syslog-ng 3.38 captures (syslog(), network(), file() destinations)', async (t) => {
  let checks = 0;
  for (const c of captured) {
    for (const [dest, want] of Object.entries(c.expect)) {
      await t.test(`${dest}: ${c.input}`, () => {
        const d = destinations[dest];
        const f = createFormatter(d.kind, d.opts);
        const rec = f.format(mk(c.msg));
        assert.equal(d.frame ? framed(rec) : out(rec), want);
        checks++;
      });
    }
  }
  console.log(`# syslog-ng capture checks: ${checks}`);
});

test('spec §5.1 / §5.2 test vectors', () => {
  const rfc5424 = mk(captured[0].msg);
  assert.equal(out(new SyslogProtocolFormatter().format(rfc5424)), '<132>1 2006-10-29T01:59:59+01:00 mymachine evntslog 3535 ID47 [exampleSDID@0 iut="3"] An application event\n');
  assert.equal(out(new BsdLineFormatter().format(rfc5424)), '<132>Oct 29 01:59:59 mymachine evntslog[3535]: An application event\n');
  const bsd = mk(captured[1].msg);
  assert.equal(out(new SyslogProtocolFormatter().format(bsd)), u('<155>1 2006-02-11T10:34:56+01:00 bzorp syslog-ng 23323 - - árvíz\n'));
  assert.equal(out(new BsdLineFormatter().format(bsd)), u('<155>Feb 11 10:34:56 bzorp syslog-ng[23323]:árvíz\n'));
});

test('MSG-LEN counts bytes of the whole message including the trailing LF', () => {
  const m = mk({ pri: 13, stamp: '2006-10-29T01:59:59+00:00', host: 'h', program: 'p', message: 'ő€😀' });
  const rec = new SyslogProtocolFormatter().format(m);
  const wire = Buffer.from(framed(rec), 'latin1');
  const sp = wire.indexOf(0x20);
  assert.equal(Number(wire.subarray(0, sp).toString()), wire.length - sp - 1);
  assert.equal(wire.at(-1), 0x0a);
});

test('header fields: up to the first space, empty is -', () => {
  assert.equal(headerField(''), '-');
  assert.equal(headerField('a b'), 'a');
  assert.equal(headerField(' lead'), '');
  const m = mk({ pri: 0, stamp: '2006-10-29T01:59:59-05:30', host: 'my host', program: 'my prog', pid: '1 2', msgid: 'ID 9' });
  assert.equal(out(new SyslogProtocolFormatter().format(m)), '<0>1 2006-10-29T01:59:59-05:30 my my 1 ID - \n');
});

test('time: frac-digits truncate, the message offset is used unless time-zone() is set, never Z', () => {
  const m = mk({ pri: 13, stamp: '2006-10-29T01:59:59.987654+00:00', host: 'h' });
  const iso = (o: FormatOptions) => out(new SyslogProtocolFormatter(o).format(m)).split(' ')[1];
  assert.equal(iso({}), '2006-10-29T01:59:59+00:00');
  assert.equal(iso({ fracDigits: 3 }), '2006-10-29T01:59:59.987+00:00');
  assert.equal(iso({ fracDigits: 6, timeZone: resolveZone('-03:30') }), '2006-10-28T22:29:59.987654-03:30');
  assert.equal(out(new BsdLineFormatter({ timeZone: resolveZone('+05:00') }).format(m)).slice(0, 22), '<13>Oct 29 06:59:59 h ');
  assert.equal(out(new FileLineFormatter({ tsFormat: 'full' }).format(m)), '2006 Oct 29 01:59:59 h \n');
  assert.equal(out(new FileLineFormatter({ tsFormat: 'unix', fracDigits: 1 }).format(m)), `${m.stamp.sec}.9 h \n`);
});

test('sequenceId: local messages count from 1 per connection; remote ones keep their own', () => {
  const f = new SyslogProtocolFormatter();
  const local = () => mk({ pri: 13, stamp: '2006-10-29T01:59:59+00:00', host: 'h', message: 'x', flags: MsgFlag.LOCAL });
  const remote = mk({ pri: 13, stamp: '2006-10-29T01:59:59+00:00', host: 'h', message: 'x' });
  const sd = (r: Buffer | string) => out(r).split(' ')[6];
  assert.equal(sd(f.format(local())), '[meta');
  assert.match(out(f.format(local())), / \[meta sequenceId="2"\] x\n$/);
  assert.match(out(f.format(remote)), / - - - x\n$/);
  assert.match(out(f.format(local())), /\[meta sequenceId="3"\]/);
  f.resetSequence();
  assert.match(out(f.format(local())), /\[meta sequenceId="1"\]/);
  // an existing meta element gets sequenceId as its first parameter (log_msg_append_format_sdata)
  const withMeta = local();
  withMeta.sd = [
    { id: 'a@1', params: [['k', 'v']] },
    { id: 'meta', params: [['foo', 'bar']] },
  ];
  assert.match(out(f.format(withMeta)), / \[a@1 k="v"\]\[meta sequenceId="2" foo="bar"\] x\n$/);
  // one already carried by the message wins
  const own = local();
  own.sd = [{ id: 'meta', params: [['sequenceId', '42']] }];
  assert.match(out(f.format(own)), / \[meta sequenceId="42"\] x\n$/);
  assert.equal(formatSdataWithSeq(remote, 0), '');
  // no-seqnum / seqnum-all
  assert.match(out(new SyslogProtocolFormatter({ seqnum: 'off' }).format(local())), / - - - - x\n$/);
  const all = new SyslogProtocolFormatter({ seqnum: 'all' });
  all.format(remote);
  assert.match(out(all.format(remote)), /\[meta sequenceId="2"\]/);
});

test('template() with syslog-protocol replaces only MSG; legacy template is the whole record, nothing added', () => {
  const m = mk({ pri: 13, stamp: '2006-10-29T01:59:59+00:00', host: 'h', program: 'p', message: 'x' });
  assert.equal(out(createFormatter('syslog', { template: (x) => x.message.toUpperCase() }).format(m)), '<13>1 2006-10-29T01:59:59+00:00 h p - - - X\n');
  assert.equal(out(createFormatter('network', { template: (x) => `${x.host}|${x.message}` }).format(m)), 'h|x');
  assert.equal(out(createFormatter('file', { template: () => '' }).format(m)), '');
  // template and SEQNUM: the template sees the number of local messages
  const seen: number[] = [];
  const f = createFormatter('network', { template: (_x, n) => (seen.push(n), 'y\n') });
  const local = mk({ pri: 13, stamp: '2006-10-29T01:59:59+00:00', flags: MsgFlag.LOCAL });
  f.format(local);
  f.format(m);
  f.format(local);
  assert.deepEqual(seen, [1, 0, 2]);
});

test('MSGHDR: stored legacy header, else PROGRAM[PID]: , else nothing', () => {
  const base = { pri: 13, stamp: '2006-10-29T01:59:59+00:00' };
  assert.equal(msgHeader(mk({ ...base, program: 'p', pid: '1', legacyMsghdr: 'p[1]:' })), 'p[1]:');
  assert.equal(msgHeader(mk({ ...base, program: 'p', pid: '1' })), 'p[1]: ');
  assert.equal(msgHeader(mk({ ...base, program: 'p' })), 'p: ');
  assert.equal(msgHeader(mk({ ...base, pid: '1' })), '');
});

test('no-multi-line replaces CR/LF/NUL except the final byte; truncate-size cuts bytes', () => {
  const m = mk({ pri: 13, stamp: '2006-10-29T01:59:59+00:00', host: 'h', program: 'p', message: 'a\nb\r\0c' });
  assert.equal(out(new SyslogProtocolFormatter({ noMultiLine: true }).format(m)), '<13>1 2006-10-29T01:59:59+00:00 h p - - - a b  c\n');
  assert.equal(out(createFormatter('network', { noMultiLine: true, template: (x) => x.message + '\n' }).format(m)), 'a b  c\n');
  const cut = new BsdLineFormatter({ truncateSize: 10 }).format(mk({ pri: 13, stamp: '2006-10-29T01:59:59+00:00', message: 'é'.repeat(20) }));
  assert.ok(Buffer.isBuffer(cut));
  assert.equal(cut.length, 10);
});

test('SDATA escaping of values and names', () => {
  const m = mk({ pri: 13, stamp: '2006-10-29T01:59:59+00:00', sd: [['x@1', [['k', 'a"b\\c]d'], ['n=m', 'v']]]] });
  assert.match(out(new SyslogProtocolFormatter().format(m)), / \[x@1 k="a\\"b\\\\c\\]d" n%3Dm="v"\] \n$/);
});

test('batch encoder: up to flush-lines records in one buffer, octet-counted or plain', () => {
  const f = new SyslogProtocolFormatter();
  const enc = new BatchEncoder({ framing: 'octet-counted', flushLines: 3 });
  const msgs = [0, 1, 2].map((i) => mk({ pri: 13, stamp: '2006-10-29T01:59:59+00:00', host: 'h', message: 'ü'.repeat(i * 5) }));
  for (const m of msgs) enc.add(f.format(m));
  assert.equal(enc.full, true);
  assert.equal(enc.count, 3);
  const batch = enc.take();
  assert.equal(enc.count, 0);
  // decode it back: three frames whose counts match their bytes
  let p = 0;
  const frames: string[] = [];
  while (p < batch.length) {
    const sp = batch.indexOf(0x20, p);
    const n = Number(batch.toString('latin1', p, sp));
    frames.push(batch.toString('utf8', sp + 1, sp + 1 + n));
    p = sp + 1 + n;
  }
  assert.equal(p, batch.length);
  assert.deepEqual(frames, msgs.map((m) => f.format(m) as string));
  // plain: concatenation; empty records are skipped
  const plain = new BatchEncoder({ framing: 'none' });
  assert.equal(plain.add('a\n'), 2);
  assert.equal(plain.add(''), 0);
  assert.equal(plain.add(Buffer.from('b\n')), 2);
  assert.equal(plain.count, 2);
  assert.equal(plain.take().toString(), 'a\nb\n');
  // header width guessed from UTF-16 length and fixed up: 9 chars but 27 bytes
  const w = new BatchEncoder({ framing: 'octet-counted' });
  w.add('€'.repeat(9));
  assert.equal(w.take().toString('utf8'), '27 ' + '€'.repeat(9));
  // growth beyond the initial buffer
  const big = new BatchEncoder({ framing: 'octet-counted' });
  big.add('x'.repeat(100_000));
  big.add(Buffer.alloc(5000, 0x79));
  const b = big.take();
  assert.equal(b.length, 7 + 100_000 + 5 + 5000);
  assert.equal(b.toString('latin1', 100_007, 100_012), '5000 ');
});
