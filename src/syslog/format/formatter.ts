/**
 * What every destination formatter shares: the interface, the options a
 * destination compiles once, the `[meta sequenceId]` counter and the output
 * flags applied after formatting (syslog-ng's log_writer_format_log order:
 * format, then no-multi-line, then truncate-size).
 */
import { MsgFlag, type LogMessage } from '../../message/log-message.ts';
import type { TsFormat } from '../../message/timefmt.ts';
import type { Zone } from '../../message/timezone.ts';

/** A compiled `template()`; `seqNum` is what `${SEQNUM}` expands to. */
export type TemplateFn = (msg: LogMessage, seqNum: number) => string;

export interface Formatter {
  /** One record ready for framing; '' means "nothing to send" (empty template output). */
  format(msg: LogMessage): Buffer | string;
  /** A new connection starts: `[meta sequenceId]` numbering restarts at 1. */
  resetSequence(): void;
}

/** `flags(seqnum)` (default: local messages), `flags(seqnum-all)`, `flags(no-seqnum)` */
export type SeqnumMode = 'local' | 'all' | 'off';

export interface FormatOptions {
  /** template(): replaces MSG in RFC 5424 output, the whole line otherwise */
  template?: TemplateFn;
  /** frac-digits(), 0..6 */
  fracDigits?: number;
  /** time-zone() / send-time-zone(); unset = the message's own offset */
  timeZone?: Zone;
  /** ts-format(), used by the file() line only */
  tsFormat?: TsFormat;
  /** flags(no-multi-line): CR, LF, NUL become spaces (the final byte is left alone) */
  noMultiLine?: boolean;
  seqnum?: SeqnumMode;
  /** truncate-size(): cut the formatted record to this many bytes */
  truncateSize?: number;
}

const SEQ_MAX = 0x7fffffff;

/** The per-destination sequence number of syslog-ng's writer. */
export class SequenceCounter {
  private next = 1;
  private readonly mode: SeqnumMode;
  constructor(mode: SeqnumMode = 'local') {
    this.mode = mode;
  }
  reset(): void {
    this.next = 1;
  }
  /**
   * The number for this message: the counter for local messages (all
   * messages with seqnum-all), the message's own `meta.sequenceId`
   * otherwise, 0 for none. Steps the counter when it was used.
   */
  take(msg: LogMessage): number {
    if (this.mode === 'off') return 0;
    if (this.mode === 'all' || (msg.flags & MsgFlag.LOCAL) !== 0) {
      const n = this.next;
      this.next = n >= SEQ_MAX ? 1 : n + 1;
      return n;
    }
    return ownSequenceId(msg);
  }
}

/** `.SDATA.meta.sequenceId` as a number (strtol-like), 0 when absent. */
export function ownSequenceId(msg: LogMessage): number {
  if (msg.sd.length === 0) return 0;
  const v = msg.get('.SDATA.meta.sequenceId');
  if (!v) return 0;
  const n = parseInt(v, 10);
  return Number.isFinite(n) ? n : 0;
}

/**
 * The part every formatter shares: compiled options, the sequence counter
 * and the output flags. A subclass only builds the record text.
 */
export abstract class RecordFormatter implements Formatter {
  protected readonly opts: FormatOptions;
  protected readonly fracDigits: number;
  protected readonly zone: Zone | undefined;
  protected readonly template: TemplateFn | undefined;
  private readonly seq: SequenceCounter;
  /** no output flag set: the record goes out as built */
  private readonly plain: boolean;

  constructor(opts: FormatOptions) {
    this.opts = opts;
    this.fracDigits = opts.fracDigits ?? 0;
    this.zone = opts.timeZone;
    this.template = opts.template;
    this.seq = new SequenceCounter(opts.seqnum);
    this.plain = !opts.noMultiLine && opts.truncateSize === undefined;
  }

  resetSequence(): void {
    this.seq.reset();
  }

  format(msg: LogMessage): Buffer | string {
    const out = this.record(msg, this.seq.take(msg));
    return this.plain || out.length === 0 ? out : applyOutputFlags(out, this.opts);
  }

  /** the record text; `seqNum` is this message's sequence number (0 = none) */
  protected abstract record(msg: LogMessage, seqNum: number): string;
}

const MULTI_LINE = /[\r\n\0]/g;

/** no-multi-line and truncate-size, applied to a finished record. */
export function applyOutputFlags(rec: string, opts: FormatOptions): Buffer | string {
  if (opts.noMultiLine && rec.length > 1) {
    const body = rec.slice(0, -1);
    if (/[\r\n\0]/.test(body)) rec = body.replace(MULTI_LINE, ' ') + rec[rec.length - 1];
  }
  const cap = opts.truncateSize;
  if (cap !== undefined && cap >= 0 && rec.length * 3 > cap && Buffer.byteLength(rec) > cap) {
    return Buffer.from(rec).subarray(0, cap);
  }
  return rec;
}
