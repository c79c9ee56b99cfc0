/**
 * RFC 5424 STRUCTURED-DATA, with syslog-ng's leniency and limits:
 * SD-IDs and PARAM-NAMEs longer than 32 are fine as long as
 * `<sdata-prefix><id>.<param>` stays within 255 bytes; unquoted values
 * (`[id k=v]`) are accepted; inside quotes `\"`, `\]`, `\\` are unescaped and
 * a backslash before anything else is kept; an unescaped `]` in a quoted
 * value or a missing `]` are errors; one space after `[` and one before `]`
 * are tolerated (AxoSyslog leniency). Values longer than the configured
 * maximum are cut.
 */
import type { LogMessage } from '../message/log-message.ts';
import { decodeField, decodeShort } from './utf8.ts';

const SP = 0x20;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const EQ = 0x3d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const DASH = 0x2d;

/** syslog-ng's name buffer is 256 bytes with a NUL: names up to 255 */
const NAME_SIZE = 256;

export interface SdataTarget {
  sdataPrefix: string;
  sdataParamValueMax: number;
}

let scratch = Buffer.allocUnsafe(1024);

/** An SD-ID with no parameters still shows up in `${SDATA}` as `[id]`. */
function addEmptyElement(msg: LogMessage, prefix: string, id: string): void {
  if (prefix !== '.SDATA.') {
    msg.values.set(prefix + id, '');
    return;
  }
  for (let i = 0; i < msg.sd.length; i++) if (msg.sd[i].id === id) return;
  msg.sd.push({ id, params: [] });
}

/**
 * While parsing, syslog-ng appends each new `.SDATA.<id>.<param>` in arrival
 * order and `${SDATA}` opens a new element whenever the SD-ID changes, so a
 * repeated SD-ID after another one stays a separate element
 * (`[a x="1"][b][a y="2"]`); only a repeated parameter overwrites in place.
 */
function addParam(msg: LogMessage, prefix: string, id: string, name: string, value: string): void {
  if (prefix !== '.SDATA.') {
    msg.values.set(prefix + id + '.' + name, value);
    return;
  }
  const sd = msg.sd;
  for (let i = 0; i < sd.length; i++) {
    if (sd[i].id !== id) continue;
    const params = sd[i].params;
    for (let k = 0; k < params.length; k++) {
      if (params[k][0] === name) {
        params[k][1] = value;
        return;
      }
    }
  }
  const last = sd.length > 0 ? sd[sd.length - 1] : undefined;
  if (last !== undefined && last.id === id) last.params.push([name, value]);
  else sd.push({ id, params: [[name, value]] });
}

/**
 * `id ]` / `k="v" ]`: a space before the closing bracket is accepted, as
 * AxoSyslog does (upstream syslog-ng rejects it; no sender relies on that).
 */
function spaceThenClose(buf: Buffer, i: number, end: number): boolean {
  return end - i > 1 && buf[i] === SP && buf[i + 1] === RBRACKET;
}

/**
 * `[ id …]`: AxoSyslog (since 4.13) skips one space after every `[`, as some
 * firewalls send it; a second space, or `[ ]`, still fails right there.
 */
function skipOneSpace(buf: Buffer, i: number, end: number): number {
  return i < end && buf[i] === SP ? i + 1 : i;
}

function isNameChar(c: number): boolean {
  return c < 0x80 && c !== EQ && c !== SP && c !== RBRACKET && c !== QUOTE;
}

/**
 * Parses the STRUCTURED-DATA that starts at `p` (`-` or `[`...). Returns the
 * position after it, or `-(position + 1)` of the failure point when invalid.
 * Parameters read before an error stay stored, as in syslog-ng.
 */
export function parseSdata(buf: Buffer, p: number, end: number, opts: SdataTarget, msg: LogMessage): number {
  const prefix = opts.sdataPrefix;
  const prefixLen = Buffer.byteLength(prefix);
  const valueMax = opts.sdataParamValueMax;
  let i = p;

  if (i < end && buf[i] === DASH) return i + 1;
  if (!(i < end && buf[i] === LBRACKET)) return -(i + 1);
  i = skipOneSpace(buf, i + 1, end);
  let open = 1;
  do {
    if (!(i < end) || !isNameChar(buf[i])) return -(i + 1);
    const idStart = i;
    while (i < end && buf[i] !== SP && buf[i] !== RBRACKET) {
      if (i - idStart >= NAME_SIZE - 1 - prefixLen || !isNameChar(buf[i])) return -(i + 1);
      i++;
    }
    const idLen = i - idStart;
    const id = decodeShort(buf, idStart, i);
    if ((i < end && buf[i] === RBRACKET) || spaceThenClose(buf, i, end)) {
      if (buf[i] === SP) i++;
      addEmptyElement(msg, prefix, id);
    } else if (prefixLen + idLen + 1 >= NAME_SIZE) {
      return -(i + 1);
    }

    while (i < end && buf[i] !== RBRACKET) {
      if (buf[i] === SP) i++;
      else return -(i + 1);
      if (!(i < end) || !isNameChar(buf[i])) return -(i + 1);
      const nameStart = i;
      while (i < end && buf[i] !== EQ) {
        if (i - nameStart >= NAME_SIZE - 1 - idLen || !isNameChar(buf[i])) return -(i + 1);
        i++;
      }
      const nameLen = i - nameStart;
      if (nameLen >= NAME_SIZE - prefixLen - 1 - idLen) return -(i + 1);
      const name = decodeShort(buf, nameStart, i);
      if (i < end && buf[i] === EQ) i++;
      else return -(i + 1);

      let value: string;
      if (i < end && buf[i] === QUOTE) {
        i++;
        const vStart = i;
        let escaped = false;
        let sawBackslash = false;
        while (i < end && (buf[i] !== QUOTE || escaped)) {
          const c = buf[i];
          if (!escaped && c === BACKSLASH) {
            escaped = true;
            sawBackslash = true;
          } else {
            if (!escaped && c === RBRACKET) return -(i + 2);
            escaped = false;
          }
          i++;
        }
        if (!(i < end && buf[i] === QUOTE)) return -(i + 1);
        value = sawBackslash ? unescapeValue(buf, vStart, i, valueMax) : decodeField(buf, vStart, Math.min(i, vStart + valueMax));
        i++;
      } else if (i < end) {
        const vStart = i;
        while (i < end && buf[i] !== SP && buf[i] !== RBRACKET) i++;
        value = decodeField(buf, vStart, Math.min(i, vStart + valueMax));
      } else {
        return -(i + 1);
      }
      addParam(msg, prefix, id, name, value);
      if (spaceThenClose(buf, i, end)) i++;
    }

    if (i < end && buf[i] === RBRACKET) {
      i++;
      open--;
    } else {
      return -(i + 1);
    }
    if (i < end && buf[i] === LBRACKET) {
      i = skipOneSpace(buf, i + 1, end);
      open++;
    }
  } while (i < end && open !== 0);
  return i;
}

/** Removes `\"`, `\]`, `\\` escapes from a quoted value (which is known to be well formed), cut at `max` bytes. */
function unescapeValue(buf: Buffer, start: number, end: number, max: number): string {
  if (scratch.length < max + 4) scratch = Buffer.allocUnsafe(max + 4);
  let n = 0;
  let escaped = false;
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if (!escaped && c === BACKSLASH) {
      escaped = true;
      continue;
    }
    if (escaped && c !== QUOTE && c !== RBRACKET && c !== BACKSLASH && n < max) scratch[n++] = BACKSLASH;
    if (n < max) scratch[n++] = c;
    escaped = false;
  }
  return decodeField(scratch, 0, n);
}
