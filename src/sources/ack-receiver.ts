/**
 * The receiving side of one logferry-ack/1 connection (docs/ack-transfer.md):
 * a network()/syslog() TLS connection whose handshake selected that ALPN.
 * Each record's payload is framed and parsed exactly as on a plain
 * connection of the same source, so the messages are the same; they are
 * routed so that their ack waits for every destination they went to. The
 * sender gets, batched, the highest seq it sent here that is written
 * everywhere (W of pipeline/ack-ledger.ts, once it is in the journal).
 * Records at or below W, or routed already by an earlier connection of the
 * same sender, are not routed again.
 */
import { internalLog } from '../core/internal-log.ts';
import { createDecoder, type DecoderOptions, type FramingKind } from '../syslog/framing/decoder.ts';
import { AckProtocolError, SenderFrameDecoder, encodeAck, type SenderFrame } from '../syslog/framing/ack-protocol.ts';
import type { HostRules, Sender } from '../syslog/hostname.ts';
import { setAckOrigin, type AckLedger } from '../pipeline/ack-ledger.ts';
import type { Route } from '../pipeline/types.ts';
import { buildMessage, type MessageRecipe } from './reader.ts';

export interface AckReceiverOptions {
  recipe: MessageRecipe;
  hostRules: HostRules;
  framing: FramingKind;
  decoder: DecoderOptions;
  values: Array<[string, string]>;
  sender: Sender;
  /** records routed and not yet written before this connection stops reading */
  window: number;
  /** "address:port", for the one log line about a malformed stream */
  peer: string;
}

export interface AckTransport {
  pause(): void;
  resume(): void;
  write(bytes: Buffer): void;
  destroy(): void;
}

export interface AckReceiverCounts {
  records: number;
  duplicates: number;
  messages: number;
}

/** The connection's sink; `close()` when the connection ends. */
export class AckReceiver {
  private readonly o: AckReceiverOptions;
  private readonly route: Route;
  private readonly ledger: AckLedger;
  private readonly io: AckTransport;
  private readonly frames: SenderFrameDecoder;
  private senderId: string | undefined;
  private unsubscribe: (() => void) | undefined;
  /** highest seq received on this connection */
  private lastSeq = -1;
  private lastAcked = -1;
  private inFlight = 0;
  private paused = false;
  private failed = false;
  private closed = false;
  readonly counts: AckReceiverCounts = { records: 0, duplicates: 0, messages: 0 };

  constructor(o: AckReceiverOptions, route: Route, ledger: AckLedger, io: AckTransport) {
    this.o = o;
    this.route = route;
    this.ledger = ledger;
    this.io = io;
    // a record is at most one framed message: log-msg-size plus its octet-count header or line end
    this.frames = new SenderFrameDecoder(Math.max(o.decoder.maxMsgSize + 32, 64 * 1024));
  }

  /** bytes from the connection */
  push(chunk: Buffer): void {
    if (this.failed || this.closed) return;
    let got: SenderFrame[];
    try {
      got = this.frames.push(chunk);
    } catch (err) {
      if (!(err instanceof AckProtocolError)) throw err;
      return this.fail(err.message);
    }
    for (const f of got) {
      if (this.failed) return;
      if (f.type === 'hello') this.hello(f.senderId, f.firstSeq);
      else this.record(f.seq, f.payload);
    }
  }

  private hello(senderId: string, firstSeq: number): void {
    this.senderId = senderId;
    this.unsubscribe = this.ledger.subscribe(senderId, this.onWritten);
    internalLog('verbose', 'Acknowledging connection (logferry-ack/1) opened', { peer: this.o.peer, sender: senderId, first_seq: firstSeq, written: this.ledger.highestWritten(senderId) });
  }

  private record(seq: number, payload: Buffer): void {
    const sender = this.senderId!;
    this.lastSeq = seq;
    this.counts.records++;
    if (this.ledger.admit(sender, seq) === 'duplicate') {
      this.counts.duplicates++;
      // written already (or routed by an earlier connection): acked with W, one ack for a run of them
      this.ackSoon();
      return;
    }
    // one count for the record itself, released after its frames are routed
    let pending = 1;
    this.inFlight++;
    const done = (): void => {
      if (--pending > 0) return;
      this.inFlight--;
      this.ledger.completed(sender, seq);
      if (this.paused && this.inFlight <= this.o.window >> 1) {
        this.paused = false;
        if (!this.closed) this.io.resume();
      }
    };
    const origin = { sender, seq };
    // a decoder per record: a record holds whole frames, and one cut short ends with it (as at a stream's end)
    const dec = createDecoder(this.o.framing, this.o.decoder, (buf, start, end) => {
      const msg = buildMessage(this.o.recipe, this.o.hostRules, buf, start, end, this.o.values, this.o.sender);
      setAckOrigin(msg, origin);
      this.counts.messages++;
      pending++;
      this.route(msg, done, true);
    });
    const err = dec.push(payload) ?? dec.end();
    // as on a plain connection the bytes that do not frame are lost, with this line; the record still
    // counts as handled, or the sender would resend bytes that fail the same way forever
    if (err) internalLog('error', err.message, { ...err.tags, peer: this.o.peer, sender, seq });
    done();
    if (!this.paused && this.inFlight >= this.o.window) {
      this.paused = true;
      this.io.pause();
    }
  }

  private ackScheduled = false;

  private ackSoon(): void {
    if (this.ackScheduled) return;
    this.ackScheduled = true;
    setImmediate(() => {
      this.ackScheduled = false;
      if (this.senderId !== undefined) this.onWritten(this.ledger.highestWritten(this.senderId));
    });
  }

  /** W moved (or a duplicate came): ack what this connection sent, up to W */
  private readonly onWritten = (written: number): void => {
    if (this.closed) return;
    const upTo = Math.min(written, this.lastSeq);
    if (upTo <= this.lastAcked) return;
    this.lastAcked = upTo;
    this.io.write(encodeAck(upTo));
  };

  private fail(reason: string): void {
    this.failed = true;
    internalLog('error', 'Malformed logferry-ack/1 stream, closing the connection', { peer: this.o.peer, sender: this.senderId, error: reason });
    this.io.destroy();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe?.();
    if (this.senderId !== undefined) {
      internalLog('verbose', 'Acknowledging connection (logferry-ack/1) closed', { peer: this.o.peer, sender: this.senderId, records: this.counts.records, duplicates: this.counts.duplicates, acked: this.lastAcked });
    }
  }
}
