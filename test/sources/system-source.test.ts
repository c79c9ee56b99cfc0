/**
 * system(): what it expands to, the journal entries as messages (4.27's
 * systemd-journal() mapping), /dev/kmsg records, and the cursors kept in the
 * persist file: a restart continues after the last entry written, so no
 * entry arrives twice and none is lost. Never touches the host's journal,
 * /dev/log or /dev/kmsg: a fake journalctl and plain files stand in.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { skipUnlessLogferry, startLogferry } from '../helpers/daemon.ts';
import { tempDir, waitForLines } from '../helpers/peers.ts';
import { journalMessage } from '../../src/sources/journal.ts';
import { parseKmsg } from '../../src/sources/kmsg.ts';
import { expandSystem } from '../../src/sources/system.ts';

const skip = skipUnlessLogferry();

test('expansion: the injected journalctl wins, then the injected /dev/log; other systems are refused with one sentence', () => {
  assert.deepEqual(expandSystem({ LOGFERRY_SYSTEM_JOURNALCTL: '/x/journalctl', LOGFERRY_SYSTEM_KMSG: '' }, 'linux'), { kind: 'journal', journalctl: '/x/journalctl' });
  assert.deepEqual(expandSystem({ LOGFERRY_SYSTEM_DEVLOG: '/x/log', LOGFERRY_SYSTEM_KMSG: '/nonexistent/kmsg' }, 'linux'), { kind: 'devlog', devlog: '/x/log', kmsg: undefined });
  assert.match(String(expandSystem({}, 'darwin')), /^system\(\) is only implemented on Linux \(this host is darwin\); name the host's log sources explicitly/);
});

test('a journal entry as a message: MESSAGE, _HOSTNAME, _PID, SYSLOG_IDENTIFIER (else _COMM), PRIORITY, SYSLOG_FACILITY, .journald.* values', () => {
  const o = { sourceName: 's', hostname: 'here', tags: ['.source.s'] };
  const m = journalMessage({ __CURSOR: 'c', __REALTIME_TIMESTAMP: '1764158400123456', MESSAGE: 'text', _HOSTNAME: 'jh', _PID: '42', SYSLOG_IDENTIFIER: 'app', _COMM: 'bin', PRIORITY: '3', SYSLOG_FACILITY: '4', BIN: [104, 105] }, o);
  assert.deepEqual([m.message, m.host, m.pid, m.program, m.pri], ['text', 'jh', '42', 'app', 4 * 8 + 3]);
  assert.deepEqual([m.stamp.sec, m.stamp.usec], [1764158400, 123456]);
  assert.equal(m.values.get('.journald._COMM'), 'bin');
  assert.equal(m.values.get('.journald.BIN'), 'hi', 'a binary field (array of bytes) as text');
  assert.equal(m.values.get('.journald.__CURSOR'), undefined, "journalctl's own fields are not the entry's");
  assert.equal(m.values.get('TRANSPORT'), 'local+journal');
  const bare = journalMessage({ MESSAGE: 'x', _COMM: 'bin' }, o);
  assert.deepEqual([bare.program, bare.host, bare.pri], ['bin', 'here', 16 * 8 + 5], 'no identifier: _COMM; no host: this host; no PRIORITY: local0.notice as 4.27');
});

test('/dev/kmsg records: priority, sequence number, \\x escapes, continuation KEY=VALUE lines', () => {
  const r = parseKmsg('6,1234,5678,-;usb 1-1: new device \\x41\n SUBSYSTEM=usb\n DEVICE=c189:1\n14,1235,5679,c;from user space\n');
  assert.deepEqual(r, [
    { pri: 6, seq: 1234, text: 'usb 1-1: new device A', fields: [['SUBSYSTEM', 'usb'], ['DEVICE', 'c189:1']] },
    { pri: 14, seq: 1235, text: 'from user space', fields: [] },
  ]);
});

const FAKE_JOURNALCTL = `#!/bin/sh
# a stand-in for journalctl -o json --follow: the entries of $FAKE_JOURNAL (after --after-cursor=C), then it waits
echo "$*" >> "$FAKE_JOURNAL.args"
after=""
for a in "$@"; do case "$a" in --after-cursor=*) after="\${a#--after-cursor=}";; esac; done
if [ -n "$after" ]; then
  awk -v c="\\"__CURSOR\\":\\"$after\\"" 'found {print} index($0, c) {found=1}' "$FAKE_JOURNAL"
else
  cat "$FAKE_JOURNAL"
fi
exec sleep 600
`;

function entry(i: number): string {
  return JSON.stringify({ __CURSOR: `s=abc;i=${i}`, __REALTIME_TIMESTAMP: String(1764158400000000 + i), MESSAGE: `entry ${i}`, SYSLOG_IDENTIFIER: 'app', _PID: String(100 + i), PRIORITY: '6' }) + '\n';
}

test('journal: the cursor is kept in the persist file; after a restart reading continues after it: no entry twice, none lost', { timeout: 30_000, skip }, async (t) => {
  const dir = tempDir('lf-system-journal');
  t.after(() => dir.remove());
  const journalctl = join(dir.path, 'journalctl');
  writeFileSync(journalctl, FAKE_JOURNALCTL);
  chmodSync(journalctl, 0o755);
  const journal = join(dir.path, 'journal.jsonl');
  writeFileSync(journal, [1, 2, 3].map(entry).join(''));
  const out = join(dir.path, 'out.log');
  const work = join(dir.path, 'work');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(work);
  const opts = {
    workdir: work,
    verbose: true,
    env: { LOGFERRY_SYSTEM_JOURNALCTL: journalctl, FAKE_JOURNAL: journal, LOGFERRY_SYSTEM_KMSG: '' },
    config: `@version: 4.27
source s { system(); };
destination d { file("${out}" template("\${PROGRAM}[\${PID}] \${LEVEL} \${MSG}\\n")); };
log { source(s); destination(d); };
`,
  };
  const first = await startLogferry(opts);
  assert.match(first.stderr(), /system\(\) source expanded;.*to='systemd-journal\(match-boot\(yes\)\) read through .*journalctl -o json --follow'/);
  await waitForLines(out, 3, 10_000);
  await first.stop();
  const persisted = JSON.parse(readFileSync(join(work, 'daemon.persist'), 'utf8')) as { entries: Record<string, unknown> };
  assert.deepEqual(persisted.entries['systemd-journal'], { cursor: 's=abc;i=3' });

  appendFileSync(journal, [4, 5].map(entry).join(''));
  const second = await startLogferry(opts);
  t.after(() => second.stop());
  const lines = await waitForLines(out, 5, 10_000);
  assert.deepEqual(lines, [1, 2, 3, 4, 5].map((i) => `app[${100 + i}] info entry ${i}`));
  const args = readFileSync(journal + '.args', 'utf8').trim().split('\n');
  assert.deepEqual(args, ['-o json --follow --no-pager -b --lines=all', '-o json --follow --no-pager -b --after-cursor=s=abc;i=3']);
});

test('/dev/kmsg (a stand-in file) read by the worker thread; its sequence number resumes after a restart', { timeout: 30_000, skip }, async (t) => {
  const dir = tempDir('lf-system-kmsg');
  t.after(() => dir.remove());
  const kmsg = join(dir.path, 'kmsg');
  writeFileSync(kmsg, '6,1,10,-;first\n4,2,20,-;second\n SUBSYSTEM=x\n');
  const out = join(dir.path, 'out.log');
  const work = join(dir.path, 'work');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(work);
  const opts = {
    workdir: work,
    env: { LOGFERRY_SYSTEM_JOURNALCTL: '', LOGFERRY_SYSTEM_DEVLOG: join(dir.path, 'devlog'), LOGFERRY_SYSTEM_KMSG: kmsg },
    config: `@version: 4.27
source s { system(); };
destination d { file("${out}" template("\${PROGRAM} \${FACILITY}.\${LEVEL} \${.linux.seqnum} \${MSG}\\n")); };
log { source(s); destination(d); };
`,
  };
  const first = await startLogferry(opts);
  await waitForLines(out, 2, 10_000);
  // appended while running: the worker follows the file
  appendFileSync(kmsg, '3,3,30,-;third\n');
  await waitForLines(out, 3, 10_000);
  await first.stop();
  appendFileSync(kmsg, '6,4,40,-;fourth\n');
  const second = await startLogferry(opts);
  t.after(() => second.stop());
  const lines = await waitForLines(out, 4, 10_000);
  assert.deepEqual(lines, ['kernel kern.info 1 first', 'kernel kern.warning 2 second', 'kernel kern.err 3 third', 'kernel kern.info 4 fourth']);
});

test('kernel records are read outside libuv\'s pool: with UV_THREADPOOL_SIZE=1 and an idle FIFO as /dev/kmsg, a file() source still reads', { timeout: 30_000, skip }, async (t) => {
  const dir = tempDir('lf-system-kmsg-pool');
  t.after(() => dir.remove());
  const { execFileSync } = await import('node:child_process');
  const { closeSync, constants, openSync, writeSync } = await import('node:fs');
  // a FIFO nobody writes to stands in for a quiet /dev/kmsg: a read on it in the pool would hold the only pool thread
  const fifo = join(dir.path, 'kmsg.fifo');
  execFileSync('mkfifo', [fifo]);
  const input = join(dir.path, 'in.log');
  writeFileSync(input, '');
  const out = join(dir.path, 'out.log');
  const d = await startLogferry({
    env: { UV_THREADPOOL_SIZE: '1', LOGFERRY_SYSTEM_JOURNALCTL: '', LOGFERRY_SYSTEM_DEVLOG: join(dir.path, 'devlog'), LOGFERRY_SYSTEM_KMSG: fifo },
    config: `@version: 4.27
source s { system(); file("${input}" follow-freq(0.1)); };
destination d { file("${out}" template("\${PROGRAM} \${MSG}\\n")); };
log { source(s); destination(d); };
`,
  });
  t.after(() => d.stop());
  appendFileSync(input, '<13>Nov 26 12:00:00 h filer: from a file\n');
  assert.deepEqual(await waitForLines(out, 1, 10_000), ['filer from a file']);
  // the kernel speaks: the worker thread reads it. O_RDWR opens without a reader (O_WRONLY fails with
  // ENXIO until the worker has opened its end), and held open the pipe keeps the record until it is read
  const w = openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK);
  t.after(() => closeSync(w));
  writeSync(w, '6,9,90,-;from the kernel\n');
  assert.deepEqual(await waitForLines(out, 2, 10_000), ['filer from a file', 'kernel from the kernel']);
});
