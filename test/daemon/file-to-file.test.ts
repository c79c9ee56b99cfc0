/**
 * The built daemon as a child process: a file() source into two file()
 * destinations (default line and a template), checked byte for byte, then a
 * clean SIGTERM stop that removes the pidfile.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hostname } from 'node:os';
import { ManagedProcess, REPO_ROOT, tempDir, waitForLines } from '../helpers/peers.ts';

const BUILT = path.join(REPO_ROOT, 'dist', 'cli', 'main.js');

test('built daemon copies a file() source into file() destinations, exactly', { timeout: 30_000 }, async (t) => {
  assert.ok(fs.existsSync(BUILT), `${BUILT} is missing: run \`npm run build\` first`);
  const dir = tempDir('lf-file2file');
  t.after(() => dir.remove());
  const input = path.join(dir.path, 'in.log');
  const out = path.join(dir.path, 'out', 'messages');
  const out2 = path.join(dir.path, 'fields.log');
  const pidfile = path.join(dir.path, 'logferry.pid');
  fs.writeFileSync(
    input,
    '<13>Nov 23 10:00:00 myhost prog[12]: hello\n' +
      '<34>1 2026-11-23T10:00:00.123+02:00 h5 app 77 ID1 [a b="c"] five\n' +
      'Nov 23 10:00:01 otherhost kernel: no pri here\n' +
      'plain line without header\n',
  );
  const cfg = path.join(dir.path, 'logferry.conf');
  fs.writeFileSync(
    cfg,
    `@version: 4.27
options { keep-hostname(yes); use-dns(no); };
source s_in { file("${input}" follow-freq(1)); };
destination d_out { file("${out}" create-dirs(yes)); };
destination d_fields { file("${out2}" template("host=\${HOST} prog=\${PROGRAM} pid=\${PID} pri=\${PRI} facility=\${FACILITY} level=\${LEVEL} msg=\${MSG} tags=\${TAGS} source=\${SOURCE}\\n")); };
log { source(s_in); destination(d_out); destination(d_fields); };
`,
  );
  const proc = new ManagedProcess(process.execPath, [BUILT, '-F', '-f', cfg, '-p', pidfile], { name: 'logferry', env: { ...process.env, TZ: 'Europe/Budapest' } });
  t.after(() => proc.stop(3000));

  const lines = await waitForLines(out, 4, 15_000);
  assert.equal(lines[0], 'Nov 23 10:00:00 myhost prog[12]: hello');
  // RFC 5424 text in a file() source is parsed as RFC 3164 (syslog-ng does the same): "1" becomes the program
  assert.match(lines[1], /^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S+ 1 2026-11-23T10:00:00\.123\+02:00 h5 app 77 ID1 \[a b="c"\] five$/);
  assert.equal(lines[2], 'Nov 23 10:00:01 otherhost kernel: no pri here');
  const local = hostname().split('.')[0];
  assert.match(lines[3], new RegExp(`^[A-Z][a-z]{2} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d ${local} plain line without header$`));

  // AxoSyslog 4.x tags lines without <PRI> syslog.missing_pri (syslog-ng 3.38 did not yet)
  const fields = await waitForLines(out2, 4, 15_000);
  assert.equal(fields[0], 'host=myhost prog=prog pid=12 pri=13 facility=user level=notice msg=hello tags=.source.s_in source=s_in');
  assert.equal(fields[2], 'host=otherhost prog=kernel pid= pri=13 facility=user level=notice msg=no pri here tags=syslog.missing_pri,.source.s_in source=s_in');
  assert.equal(fields[3], `host=${local} prog=plain pid= pri=13 facility=user level=notice msg=line without header tags=syslog.missing_pri,syslog.missing_timestamp,syslog.rfc3164_missing_header,.source.s_in source=s_in`);

  assert.ok(fs.existsSync(pidfile), 'pidfile written');
  assert.equal(fs.readFileSync(pidfile, 'utf8').trim(), String(proc.pid));
  const exit = await proc.stop(5000);
  assert.equal(exit.signal ?? null, null, `stopped by SIGTERM cleanly, not killed: ${JSON.stringify(exit)}`);
  assert.equal(exit.code, 0);
  assert.ok(!fs.existsSync(pidfile), 'pidfile removed on stop');
});
