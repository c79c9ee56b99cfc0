/**
 * Turns a byte stream (a connection, a file, stdin) into routed messages:
 * frames → parse → host rules → route. Flow control lives here: each reader
 * has a window of log-iw-size messages; when that many are routed but not yet
 * acknowledged by flow-controlled destinations, the reader asks its transport
 * to pause, and resumes once acks free half the window. log-fetch-limit()
 * bounds how many messages one reader takes before it lets other work run:
 * after that many it pauses its transport until the next event-loop turn.
 */
import { LogMessage, MsgFlag, nowTimestamp } from '../message/log-message.ts';
import { internalLog } from '../core/internal-log.ts';
import { createDecoder, type FrameDecoder, type FramingKind } from '../syslog/framing/decoder.ts';
import { parseMessage, type ParseOptions } from '../syslog/parse.ts';
import { applyHostRules, type HostRules, type Sender } from '../syslog/hostname.ts';
import type { Route } from '../pipeline/types.ts';
import type { Congestion } from '../pipeline/congestion.ts';


export interface ReaderOptions {
  sourceName: string;
  framing: FramingKind;
  maxMsgSize: number;
  trimLargeMessages: boolean;
  emptyLines: boolean;
  parse: ParseOptions;
  hostRules: HostRules;
  /** log-iw-size for this reader */
  window: number;
  /** log-fetch-limit(): messages taken before yielding the event loop (undefined = no bound) */
  fetchLimit?: number;
  /** extra tags for each message (`.source.<name>` and tags()) */
  tags: string[];
  /** name-value pairs every message of this stream gets (SOURCEIP, TRANSPORT, .tls.*…) */
  values: Array<[string, string]>;
  /** sender for host rules; `resolvedName` may be filled in later (reverse DNS) */
  sender: Sender;
  /** whether the messages originate on this host (file/stdin) */
  local: boolean;
  /** destinations that are behind; the reader waits for them (see pipeline/congestion.ts) */
  congestion?: Congestion;
  /** encoding(): converts each frame to UTF-8 before parsing */
  convert?: (buf: Buffer, start: number, end: number) => Buffer;
  /** use-syslogng-pid(yes): ${PID} becomes the daemon's PID */
  pidOverride?: string;
}

/** What turns one frame into a message; shared by stream readers and datagram sources. */
export type MessageRecipe = Pick<ReaderOptions, 'sourceName' | 'parse' | 'hostRules' | 'tags' | 'local' | 'convert' | 'pidOverride'>;

/**
 * frame → parse (after encoding() conversion) → per-stream values → tags →
 * host rules. `values` and `sender` vary per connection or datagram.
 */
export function buildMessage(r: MessageRecipe, hostRules: HostRules, buf: Buffer, start: number, end: number, values: Array<[string, string]>, sender: Sender): LogMessage {
  const msg = new LogMessage(nowTimestamp());
  if (r.convert) {
    const utf8 = r.convert(buf, start, end);
    parseMessage(utf8, 0, utf8.length, r.parse, msg);
    msg.flags |= MsgFlag.UTF8;
  } else {
    parseMessage(buf, start, end, r.parse, msg);
  }
  for (let i = 0; i < values.length; i++) msg.values.set(values[i][0], values[i][1]);
  if (r.pidOverride !== undefined) msg.pid = r.pidOverride;
  msg.sourceName = r.sourceName;
  for (let i = 0; i < r.tags.length; i++) msg.setTag(r.tags[i]);
  applyHostRules(msg, sender, hostRules);
  return msg;
}

/** host rules with the source's locality folded in, computed once per source or stream */
export function localizedHostRules(r: MessageRecipe): HostRules {
  return { ...r.hostRules, local: r.local };
}

export interface FlowControl {
  pause(): void;
  resume(): void;
}

export class StreamReader {
  private readonly o: ReaderOptions;
  private readonly route: Route;
  private readonly flow: FlowControl;
  private readonly decoder: FrameDecoder;
  private readonly hostRules: HostRules;
  private outstanding = 0;
  /** paused because the flow-control window is used up */
  private paused = false;
  /** paused because a destination is behind */
  private waiting = false;
  /** paused until the next event-loop turn because log-fetch-limit() messages were taken */
  private yielding = false;
  private fetched = 0;
  /** set after a fatal framing error: the caller closes the stream */
  failed = false;
  received = 0;

  constructor(o: ReaderOptions, route: Route, flow: FlowControl) {
    this.o = o;
    this.route = route;
    this.flow = flow;
    this.hostRules = localizedHostRules(o);
    this.decoder = createDecoder(o.framing, { maxMsgSize: o.maxMsgSize, trimLargeMessages: o.trimLargeMessages, emptyLines: o.emptyLines }, this.onFrame);
  }

  private readonly onAck = (): void => {
    this.outstanding--;
    if (this.paused && this.outstanding <= this.o.window >> 1) {
      this.paused = false;
      if (!this.waiting && !this.yielding) this.flow.resume();
    }
  };

  private readonly onClear = (): void => {
    this.waiting = false;
    if (!this.paused && !this.yielding) this.flow.resume();
  };

  private readonly endTurn = (): void => {
    this.yielding = false;
    this.fetched = 0;
    if (!this.paused && !this.waiting) this.flow.resume();
  };

  private readonly onFrame = (buf: Buffer, start: number, end: number): void => {
    const msg = buildMessage(this.o, this.hostRules, buf, start, end, this.o.values, this.o.sender);
    this.received++;
    this.outstanding++;
    this.route(msg, this.onAck);
    if (!this.paused && this.outstanding >= this.o.window) {
      this.paused = true;
      if (!this.waiting && !this.yielding) this.flow.pause();
    }
    const c = this.o.congestion;
    if (c && c.active && !this.waiting) {
      this.waiting = true;
      if (!this.paused && !this.yielding) this.flow.pause();
      c.whenClear(this.onClear);
    }
    // frames already in this chunk still go through; no new bytes are read before the next turn
    if (this.o.fetchLimit !== undefined && ++this.fetched >= this.o.fetchLimit && !this.yielding) {
      this.yielding = true;
      if (!this.paused && !this.waiting) this.flow.pause();
      setImmediate(this.endTurn);
    }
  };

  /** false after a fatal framing error (the stream must be closed) */
  push(chunk: Buffer): boolean {
    if (this.failed) return false;
    const err = this.decoder.push(chunk);
    if (err) {
      internalLog('error', err.message, err.tags);
      if (err.fatal) {
        this.failed = true;
        return false;
      }
    }
    return true;
  }

  /** bytes pushed but not yet handed out as a message (the start of an unterminated line) */
  get pendingBytes(): number {
    return this.decoder.pending?.() ?? 0;
  }

  end(): void {
    if (this.failed) return;
    const err = this.decoder.end();
    if (err) internalLog('error', err.message, err.tags);
  }
}
