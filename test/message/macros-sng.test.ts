/**
 * Date and priority macros against outputs recorded from syslog-ng 3.38
 * (fixtures/sng-date-macros.json): every date macro, five zones (fixed, IANA
 * with DST changes, the message's own offset), frac-digits 0..6, every
 * ts-format for $STAMP, and year boundaries for $WEEK / $ISOWEEK.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { LogMessage } from '../../src/message/log-message.ts';
import { compileTemplate } from '../../src/message/template.ts';
import { parseTsFormat } from '../../src/message/timefmt.ts';
import { resolveZone } from '../../src/message/timezone.ts';

interface Fixture {
  template: string;
  messages: Array<{ pri: number; sec: number; usec: number; gmtoff: number; input: string }>;
  cases: Array<{ zone: string; frac: number; tsFormat: string; expected: string; msg: number }>;
}

const fx: Fixture = JSON.parse(readFileSync(new URL('./fixtures/sng-date-macros.json', import.meta.url), 'utf8'));
const tmpl = compileTemplate(fx.template);

test('date and priority macros match syslog-ng for every recorded case', () => {
  assert.equal(fx.cases.length, 175);
  for (const c of fx.cases) {
    const src = fx.messages[c.msg];
    const m = new LogMessage({ sec: src.sec, usec: src.usec, gmtoff: src.gmtoff });
    m.pri = src.pri;
    const tsFormat = parseTsFormat(c.tsFormat);
    assert.ok(tsFormat);
    const timeZone = c.zone ? resolveZone(c.zone) : undefined;
    if (c.zone) assert.ok(timeZone, c.zone);
    const got = tmpl.format(m, { tsFormat, fracDigits: c.frac, timeZone });
    assert.equal(got, c.expected, `${src.input} zone=${c.zone} frac=${c.frac} ts=${c.tsFormat}`);
  }
});
