/**
 * Turns a byte stream (a connection, a file, stdin) into routed messages:
 * frames → parse → host rules → route. Flow control lives here: each reader
 * has a window of log-iw-size messages; when that many are routed but not yet
 * acknowledged by flow-controlled destinations, the reader asks its transport
 * to pause, and resumes once acks free half the window. log-fetch-limit()
 * bounds how many messages one reader takes before it lets other work run:
 * after that many it pauses its transport until the next event-loop turn.
 *
 * A chunk from the transport (up to the socket's whole buffer) is framed in
 * slices of SLICE bytes; once the reader is held, the rest of the chunk waits
 * unparsed (a view, no copy) until it is released. Without that, every chunk
 * taken after the window closed would still turn into messages — hundreds per
 * connection, past the window and past a full queue.
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
  /** a fatal framing error while released bytes were framed: close the stream */
  abort?(): void;
  /** the stream ended and every byte of it was framed (possibly after the end, see end()) */
  ended?(): void;
}

/** bytes framed at a time, so a held reader stops within this much of its window */
const SLICE = 8 * 1024;

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
  /** bytes read from the transport but not framed yet, because the reader was held */
  private rest: Buffer | undefined;
  /** inside frameRest: an ack or a clear that fires meanwhile must not frame out of order */
  private framing = false;
  /** the transport was asked to pause and not yet to resume */
  private transportHeld = false;
  /** the stream ended; the decoder ends once the bytes that wait are framed */
  private ended = false;
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

  /** no more messages now: the window is used up or a destination is behind */
  private get held(): boolean {
    return this.paused || this.waiting;
  }

  private readonly onAck = (): void => {
    this.outstanding--;
    if (this.paused && this.outstanding <= this.o.window >> 1) {
      this.paused = false;
      this.release();
    }
  };

  private readonly onClear = (): void => {
    this.waiting = false;
    this.release();
  };

  private readonly endTurn = (): void => {
    this.yielding = false;
    this.fetched = 0;
    this.release();
  };

  private hold(): void {
    if (this.transportHeld) return;
    this.transportHeld = true;
    this.flow.pause();
  }

  /** read on once nothing holds the reader and every byte taken is framed */
  private resumeIfFree(): void {
    if (this.held || this.yielding || this.rest !== undefined || !this.transportHeld) return;
    this.transportHeld = false;
    this.flow.resume();
  }

  /** no longer held: frame what waits, then read on (while framing, the loop in progress does both) */
  private release(): void {
    if (this.held || this.framing) return;
    if (!this.frameRest()) {
      this.flow.abort?.();
      return;
    }
    if (this.ended) this.finish();
    else this.resumeIfFree();
  }

  /** frames waiting bytes slice by slice until held or done; false after a fatal framing error */
  private frameRest(force = false): boolean {
    if (this.framing) return true;
    this.framing = true;
    try {
      return this.frameSlices(force);
    } finally {
      this.framing = false;
    }
  }

  private frameSlices(force: boolean): boolean {
    while (this.rest !== undefined && (force || !this.held)) {
      const c = this.rest;
      this.rest = c.length > SLICE ? c.subarray(SLICE) : undefined;
      const err = this.decoder.push(c.length > SLICE ? c.subarray(0, SLICE) : c);
      if (err) {
        internalLog('error', err.message, err.tags);
        if (err.fatal) {
          this.failed = true;
          this.rest = undefined;
          return false;
        }
      }
    }
    return true;
  }

  private readonly onFrame = (buf: Buffer, start: number, end: number): void => {
    const msg = buildMessage(this.o, this.hostRules, buf, start, end, this.o.values, this.o.sender);
    this.received++;
    this.outstanding++;
    this.route(msg, this.onAck);
    if (!this.paused && this.outstanding >= this.o.window) {
      this.paused = true;
      this.hold();
    }
    const c = this.o.congestion;
    if (c && c.active && !this.waiting) {
      this.waiting = true;
      this.hold();
      c.whenClear(this.onClear);
    }
    // log-fetch-limit() bounds reading, not framing: the rest of this chunk still goes through
    if (this.o.fetchLimit !== undefined && ++this.fetched >= this.o.fetchLimit && !this.yielding) {
      this.yielding = true;
      this.hold();
      setImmediate(this.endTurn);
    }
  };

  /** false after a fatal framing error (the stream must be closed) */
  push(chunk: Buffer): boolean {
    if (this.failed) return false;
    // bytes still waiting go first (a transport that delivers while held, e.g. while closing)
    this.rest = this.rest === undefined ? chunk : Buffer.concat([this.rest, chunk]);
    if (!this.frameRest()) return false;
    // a hold that began and ended while this chunk was framed
    this.resumeIfFree();
    return true;
  }

  /** bytes pushed but not yet handed out as a message (held unframed, or the start of an unterminated line) */
  get pendingBytes(): number {
    return (this.rest?.length ?? 0) + (this.decoder.pending?.() ?? 0);
  }

  /**
   * The stream ended. Bytes that wait for the window or a destination are
   * framed once it lets them (the acks and the all-clear still come), then the
   * decoder ends: the stream's end is no reason to overrun a full queue.
   */
  end(): void {
    if (this.failed || this.ended) return;
    this.ended = true;
    if (this.frameRest()) this.finish();
  }

  /**
   * Stopping: every byte taken is framed now, held or not (at most one chunk
   * past the window), so it reaches the destinations, which write it or count
   * it as lost. Unless the stream had ended (end() waits for held bytes), an
   * unfinished last frame is not a message: the sender never completed it and
   * sees the connection close, so the decoder is not ended.
   */
  flush(): void {
    if (this.failed) return;
    if (this.frameRest(true) && this.ended) this.finish();
  }

  private finish(): void {
    if (this.rest !== undefined || this.failed) return;
    this.ended = false;
    const err = this.decoder.end();
    if (err) internalLog('error', err.message, err.tags);
    this.flow.ended?.();
  }
}
