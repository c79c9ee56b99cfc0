/**
 * $(format-json) and $(format-flat-json) against outputs recorded from
 * syslog-ng 3.38 (fixtures/sng-format-json.json): scopes, --key/--exclude,
 * --pair, rekeying, key delimiters, nesting of SD enterprise numbers, JSON
 * escaping. 3.38 configurations cast every value to a string.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { LogMessage } from '../../src/message/log-message.ts';
import { compileTemplate, setLocalHostname, getLocalHostname } from '../../src/message/template.ts';
import { setValuePairsCastDefault } from '../../src/message/format-json.ts';

interface Msg {
  pri: number;
  sec: number;
  usec: number;
  gmtoff: number;
  host: string;
  program: string;
  pid: string;
  msgid: string;
  sd: Array<[string, Array<[string, string]>]>;
  message: string;
}

const fx: { messages: Msg[]; args: string[]; expected: Array<Array<string | null>> } = JSON.parse(
  readFileSync(new URL('./fixtures/sng-format-json.json', import.meta.url), 'utf8'),
);

export function sngLocalMessage(src: Msg): LogMessage {
  const m = new LogMessage({ sec: 1700000000, usec: 0, gmtoff: 0 });
  m.pri = src.pri;
  m.stamp = { sec: src.sec, usec: src.usec, gmtoff: src.gmtoff };
  m.host = src.host;
  m.hostFrom = 'vm';
  m.program = src.program;
  m.pid = src.pid;
  m.msgid = src.msgid;
  m.message = src.message;
  m.sourceName = 's_in';
  m.values.set('FILE_NAME', 'FILE');
  m.tags.push('.source.s_in');
  for (const [id, params] of src.sd) for (const [n, v] of params) m.addSdParam(id, n, v);
  return m;
}

const savedHost = getLocalHostname();
after(() => {
  setValuePairsCastDefault(false);
  setLocalHostname(savedHost);
});

test('format-json matches syslog-ng 3.38 for every recorded argument set', () => {
  setValuePairsCastDefault(true);
  setLocalHostname('vm');
  let compared = 0;
  fx.args.forEach((args, i) => {
    const t = compileTemplate('$(' + args.replace(/\\"/g, '"') + ')');
    fx.messages.forEach((src, j) => {
      const want = fx.expected[i][j];
      if (want === null) return;
      const got = t.format(sngLocalMessage(src), { tsFormat: 'rfc3164', fracDigits: 0, seqnum: j + 1 });
      assert.equal(got, want, `$(${args}) message ${j}`);
      compared++;
    });
  });
  assert.equal(compared, 98);
});
