/** docs/cli.md holds `logferry send --help` verbatim, after its `<!-- help: logferry send -->` line. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LOGFERRY_MAIN } from '../helpers/daemon.ts';
import { runToExit } from '../helpers/peers.ts';
import { documentedHelp } from '../helpers/cli-doc.ts';
import { sendFlags, sendHelpText } from '../../src/cli/send.ts';

test('docs/cli.md shows exactly what `logferry send --help` prints', async () => {
  const documented = documentedHelp('logferry send');
  assert.ok(documented !== undefined, 'docs/cli.md has a help block for logferry send');
  const r = await runToExit(process.execPath, [LOGFERRY_MAIN, 'send', '--help'], { name: 'logferry send --help', timeoutMs: 20_000 });
  assert.equal(r.exit.code, 0);
  assert.equal(r.stderr, '');
  assert.equal(r.stdout, sendHelpText());
  assert.equal(documented, r.stdout);
});

test('--help names every option of the interface, with the defaults', () => {
  const text = sendHelpText();
  for (const f of ['transport', 'framing', 'format', 'ca-file', 'ca-dir', 'cert', 'key', 'count', 'duration', 'rate', 'connections', 'size', 'from-file', 'json']) {
    assert.ok(sendFlags.some((r) => r.long === f), `--${f} in the table`);
    assert.match(text, new RegExp(`--${f}\\b`));
  }
  assert.match(text, /--transport tls\|tcp\|udp\s+default tls/);
  assert.match(text, /default octet for RFC 5424/);
  assert.match(text, /--format 5424\|3164\s+default 5424/);
});
