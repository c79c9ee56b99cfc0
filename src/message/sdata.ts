/**
 * RFC 5424 STRUCTURED-DATA text as syslog-ng writes it
 * (log_msg_append_format_sdata): the one implementation behind `${SDATA}`
 * and the SD field of the syslog() header.
 */
import type { LogMessage, SdElement } from './log-message.ts';

const NEEDS_VALUE_ESCAPE = /["\\\]]/;
const VALUE_ESCAPE = /["\\\]]/g;

function escapeValue(v: string): string {
  return NEEDS_VALUE_ESCAPE.test(v) ? v.replace(VALUE_ESCAPE, '\\$&') : v;
}

/** the common case: ASCII with none of `= []"` (control characters stay as they are, like syslog-ng) */
const PLAIN_NAME = /^[^\x80-\uffff= [\]"]*$/;

/**
 * SD-IDs and param names have no escape syntax: every byte that is not
 * ASCII, and `=`, space, `[`, `]`, `"`, becomes `%XX` so the text stays
 * parseable. A raw byte kept as U+DC80..U+DCFF is that byte.
 */
function escapeName(n: string): string {
  if (PLAIN_NAME.test(n)) return n;
  let out = '';
  for (let i = 0; i < n.length; i++) {
    const c = n.charCodeAt(i);
    if (c >= 0xdc80 && c <= 0xdcff && !(i > 0 && n.charCodeAt(i - 1) >= 0xd800 && n.charCodeAt(i - 1) <= 0xdbff)) {
      out += hexByte(c - 0xdc00);
    } else if (c >= 0x80) {
      // one code point (a surrogate pair counts as one) as its UTF-8 bytes
      const cp = n.codePointAt(i) as number;
      if (cp > 0xffff) i++;
      for (const b of Buffer.from(String.fromCodePoint(cp), 'utf8')) out += hexByte(b);
    } else if (c === 0x3d || c === 0x20 || c === 0x5b || c === 0x5d || c === 0x22) {
      out += hexByte(c);
    } else {
      out += n[i];
    }
  }
  return out;
}

function hexByte(b: number): string {
  return '%' + (b < 16 ? '0' : '') + b.toString(16).toUpperCase();
}

/** syslog-ng checks the value of `.SDATA.meta.sequenceId`: set and not empty */
function hasOwnSequenceId(sd: SdElement[]): boolean {
  for (const el of sd) {
    if (el.id !== 'meta') continue;
    for (const p of el.params) if (p[0] === 'sequenceId') return p[1] !== '';
  }
  return false;
}

/**
 * syslog-ng inserts sequenceId into the first SD element whose value name
 * (`id.param`, or `id` alone for an element without params) starts with
 * `meta.` — a parameterless `[meta]` does not qualify, `[meta.x]` does.
 */
function takesSequenceId(el: SdElement): boolean {
  return el.params.length > 0 ? el.id === 'meta' || el.id.startsWith('meta.') : el.id.startsWith('meta.');
}

/**
 * `[id p="v"][id2 ...]`, or '' when there is nothing to write. With a
 * `seqNum` (a destination's `[meta sequenceId]` counter, 0 = none) and no
 * sequenceId of the message's own, `sequenceId="N"` becomes the first
 * parameter of the meta element, or a `[meta sequenceId="N"]` element is
 * appended when there is none.
 */
export function formatSdata(msg: Pick<LogMessage, 'sd'>, seqNum = 0): string {
  const sd = msg.sd;
  let pending = seqNum !== 0 && !hasOwnSequenceId(sd);
  let out = '';
  for (let e = 0; e < sd.length; e++) {
    const el = sd[e];
    const params = el.params;
    out += '[' + (el.id === '' && params.length === 0 ? 'none' : escapeName(el.id));
    if (pending && takesSequenceId(el)) {
      out += ' sequenceId="' + seqNum + '"';
      pending = false;
    }
    for (let p = 0; p < params.length; p++) {
      const name = params[p][0];
      if (name !== '') out += ' ' + escapeName(name) + '="' + escapeValue(params[p][1]) + '"';
    }
    out += ']';
  }
  if (pending) out += '[meta sequenceId="' + seqNum + '"]';
  return out;
}
