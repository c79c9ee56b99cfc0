/**
 * A log message as it travels through logferry: parsed once at the source,
 * only read (or copied) after that. Hot fields are plain properties so the
 * parser and the formatters never go through a Map; everything else is a
 * name-value pair in `values`, keyed exactly as syslog-ng names it
 * (`SOURCEIP`, `TRANSPORT`, `.tls.x509_cn`, `RAWMSG`, ...).
 */

/** A point in time with the UTC offset it was expressed in. */
export interface Timestamp {
  /** whole seconds since the Unix epoch (UTC) */
  sec: number;
  /** microseconds, 0..999999 */
  usec: number;
  /** offset east of UTC in seconds, e.g. +3600 for +01:00 */
  gmtoff: number;
}

/** Bits of `LogMessage.flags`. */
export const MsgFlag = {
  /** MESSAGE is known to be UTF-8 (BOM seen, validated, or assumed) */
  UTF8: 1,
  /** originated inside this host (internal(), file(), stdin()): gets `[meta sequenceId]` */
  LOCAL: 2,
  /** the message carried no host name of its own */
  NO_HOST: 4,
  /** produced by the parser's piggyback-errors path */
  PARSE_ERROR: 8,
  /** some field holds bytes that were not UTF-8, escaped as U+DC80..U+DCFF (see raw-bytes.ts) */
  RAW_BYTES: 16,
} as const;

/** One RFC 5424 SD-ELEMENT; params keep their order. */
export interface SdElement {
  id: string;
  params: Array<[name: string, value: string]>;
}

export class LogMessage {
  /** facility * 8 + severity */
  pri = 13;
  /** the message's own timestamp (or the receipt time when it had none) */
  stamp: Timestamp;
  /** when logferry received it */
  recvd: Timestamp;
  host = '';
  /** resolved sender (last hop): `${HOST_FROM}` */
  hostFrom = '';
  program = '';
  pid = '';
  msgid = '';
  message = '';
  /** original `program[pid]: ` text of an RFC 3164 header, when stored */
  legacyMsghdr = '';
  /** `syslog:rfc3164`, `syslog:rfc5424`, `raw`, `syslog:error`, or '' */
  msgformat = '';
  /** structured data, in the order it was received */
  sd: SdElement[] = [];
  /** every other name-value pair */
  values: Map<string, string> = new Map();
  tags: string[] = [];
  flags = 0;
  /** name of the `source` statement that produced it (`${SOURCE}`) */
  sourceName = '';

  constructor(recvd?: Timestamp) {
    this.recvd = recvd ?? nowTimestamp();
    this.stamp = { sec: this.recvd.sec, usec: this.recvd.usec, gmtoff: this.recvd.gmtoff };
  }

  get facility(): number {
    return this.pri >> 3;
  }
  get severity(): number {
    return this.pri & 7;
  }

  hasTag(tag: string): boolean {
    return this.tags.includes(tag);
  }
  setTag(tag: string): void {
    if (!this.tags.includes(tag)) this.tags.push(tag);
  }

  /** Adds one SD parameter, keeping SD-ID grouping in insertion order. */
  addSdParam(id: string, name: string, value: string): void {
    let el: SdElement | undefined;
    for (let i = 0; i < this.sd.length; i++) if (this.sd[i].id === id) el = this.sd[i];
    if (!el) {
      el = { id, params: [] };
      this.sd.push(el);
    }
    for (const p of el.params) {
      if (p[0] === name) {
        p[1] = value;
        return;
      }
    }
    el.params.push([name, value]);
  }

  /**
   * Reads a name-value pair by its syslog-ng name. Built-in fields map to the
   * properties above; `.SDATA.id.param` searches the structured data.
   */
  get(name: string): string | undefined {
    switch (name) {
      case 'HOST':
      case 'FULLHOST':
        return this.host;
      case 'HOST_FROM':
      case 'FULLHOST_FROM':
        return this.hostFrom;
      case 'PROGRAM':
        return this.program;
      case 'PID':
        return this.pid;
      case 'MSGID':
        return this.msgid;
      case 'MESSAGE':
      case 'MSG':
      case 'MSGONLY':
        return this.message;
      case 'LEGACY_MSGHDR':
        return this.legacyMsghdr;
      case 'MSGFORMAT':
        return this.msgformat;
      case 'SOURCE':
        return this.sourceName;
    }
    if (name.startsWith('.SDATA.')) {
      for (const el of this.sd) {
        const prefix = '.SDATA.' + el.id + '.';
        if (name.startsWith(prefix)) {
          const pname = name.slice(prefix.length);
          for (const p of el.params) if (p[0] === pname) return p[1];
        }
      }
      return undefined;
    }
    return this.values.get(name);
  }

  /** Writes a name-value pair by its syslog-ng name (see `get`). */
  set(name: string, value: string): void {
    switch (name) {
      case 'HOST':
      case 'FULLHOST':
        this.host = value;
        return;
      case 'HOST_FROM':
      case 'FULLHOST_FROM':
        this.hostFrom = value;
        return;
      case 'PROGRAM':
        this.program = value;
        return;
      case 'PID':
        this.pid = value;
        return;
      case 'MSGID':
        this.msgid = value;
        return;
      case 'MESSAGE':
      case 'MSG':
        this.message = value;
        return;
      case 'LEGACY_MSGHDR':
        this.legacyMsghdr = value;
        return;
    }
    if (name.startsWith('.SDATA.')) {
      const rest = name.slice(7);
      const dot = rest.lastIndexOf('.');
      if (dot > 0) {
        this.addSdParam(rest.slice(0, dot), rest.slice(dot + 1), value);
        return;
      }
    }
    this.values.set(name, value);
  }

  /** A copy that can be changed without touching this one. */
  clone(): LogMessage {
    const m = new LogMessage(this.recvd);
    m.pri = this.pri;
    m.stamp = { ...this.stamp };
    m.host = this.host;
    m.hostFrom = this.hostFrom;
    m.program = this.program;
    m.pid = this.pid;
    m.msgid = this.msgid;
    m.message = this.message;
    m.legacyMsghdr = this.legacyMsghdr;
    m.msgformat = this.msgformat;
    m.sd = this.sd.map((e) => ({ id: e.id, params: e.params.map((p) => [p[0], p[1]] as [string, string]) }));
    m.values = new Map(this.values);
    m.tags = this.tags.slice();
    m.flags = this.flags;
    m.sourceName = this.sourceName;
    return m;
  }
}

/** The local offset changes at most a few times a year: recompute it once a minute. */
let offMinute = NaN;
let offSeconds = 0;

/** The current time, with the local UTC offset of this moment. */
export function nowTimestamp(): Timestamp {
  const ms = Date.now();
  const minute = Math.floor(ms / 60000);
  if (minute !== offMinute) {
    offMinute = minute;
    offSeconds = -new Date(ms).getTimezoneOffset() * 60;
  }
  return { sec: Math.floor(ms / 1000), usec: (ms % 1000) * 1000, gmtoff: offSeconds };
}
