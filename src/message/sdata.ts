/** RFC 5424 STRUCTURED-DATA text as syslog-ng writes it (`${SDATA}` and the syslog() header). */
import type { LogMessage } from './log-message.ts';

function escapeValue(v: string): string {
  return /["\\\]]/.test(v) ? v.replace(/["\\\]]/g, (c) => '\\' + c) : v;
}

/** names may not hold `= []"`, space or non-ASCII: those are %XX-escaped */
function escapeName(n: string): string {
  if (/^[\x21-\x7e]*$/.test(n) && !/[= \]"\[]/.test(n)) return n;
  let out = '';
  for (const b of Buffer.from(n, 'utf8')) {
    if (b > 0x20 && b < 0x7f && b !== 0x3d && b !== 0x5b && b !== 0x5d && b !== 0x22) out += String.fromCharCode(b);
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/**
 * `[id p="v"][id2 ...]`, or '' when the message has no structured data.
 * `extra`, when given, is appended as one more element (e.g. `[meta sequenceId="N"]`
 * for locally originated messages) unless the message already has that SD-ID.
 */
export function formatSdata(msg: LogMessage, extra?: { id: string; params: Array<[string, string]> }): string {
  let out = '';
  let sawExtra = false;
  for (const el of msg.sd) {
    let params = el.params;
    if (extra && el.id === extra.id) {
      sawExtra = true;
      params = params.concat(extra.params.filter((p) => !el.params.some((q) => q[0] === p[0])));
    }
    out += '[' + escapeName(el.id);
    for (const [n, v] of params) out += ' ' + escapeName(n) + '="' + escapeValue(v) + '"';
    out += ']';
  }
  if (extra && !sawExtra) {
    out += '[' + extra.id;
    for (const [n, v] of extra.params) out += ' ' + n + '="' + escapeValue(v) + '"';
    out += ']';
  }
  return out;
}
