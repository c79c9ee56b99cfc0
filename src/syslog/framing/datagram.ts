/**
 * One datagram is one message (RFC 5426 §3.1). syslog-ng reads at most
 * log-msg-size() bytes of it, drops an empty one unless empty-lines, and cuts
 * trailing LF/NUL when parsing starts.
 */
import { trimLfNul, type DecoderOptions, type FrameDecoder, type FrameHandler } from './types.ts';

export function decodeDatagram(dgram: Buffer, opts: DecoderOptions, onFrame: FrameHandler): void {
  const len = dgram.length < opts.maxMsgSize ? dgram.length : opts.maxMsgSize;
  if (len === 0 && opts.emptyLines !== true) return;
  onFrame(dgram, 0, opts.exact === true ? len : trimLfNul(dgram, 0, len));
}

/** `decodeDatagram` behind the decoder interface: every push is one datagram. */
export class DatagramDecoder implements FrameDecoder {
  private readonly opts: DecoderOptions;
  private readonly onFrame: FrameHandler;
  constructor(opts: DecoderOptions, onFrame: FrameHandler) {
    this.opts = opts;
    this.onFrame = onFrame;
  }
  push(dgram: Buffer): undefined {
    decodeDatagram(dgram, this.opts, this.onFrame);
    return undefined;
  }
  end(): undefined {
    return undefined;
  }
}
