/**
 * `transport(auto)`: looks at the first bytes of a connection once (a digit,
 * up to 10 digits, then a space means octet counting; anything else means
 * text), then hands the stream to the chosen decoder and steps out of the way.
 */
import { OctetCountedDecoder } from './octet-decoder.ts';
import { TextDecoder } from './text-decoder.ts';
import type { DecoderOptions, FrameDecoder, FrameHandler, FramingError } from './types.ts';

/** longest prefix that can still be undecided: 10 digits plus the byte after them */
const PEEK_MAX = 11;

export type DetectedFraming = 'octet-counted' | 'text';

/** undefined while the bytes seen so far fit both framings */
export function detectFraming(buf: Buffer, len: number): DetectedFraming | undefined {
  if (len === 0) return undefined;
  const first = buf[0];
  if (first < 0x30 || first > 0x39) return 'text';
  for (let j = 1; j < len; j++) {
    const b = buf[j];
    if (b >= 0x30 && b <= 0x39 && j < PEEK_MAX - 1) continue;
    return b === 0x20 ? 'octet-counted' : 'text';
  }
  return undefined;
}

export class AutoDecoder implements FrameDecoder {
  private readonly opts: DecoderOptions;
  private readonly onFrame: FrameHandler;
  private readonly peek = Buffer.alloc(PEEK_MAX);
  private peekLen = 0;
  /** the framing chosen, for the caller's debug log */
  detected: DetectedFraming | undefined;

  constructor(opts: DecoderOptions, onFrame: FrameHandler) {
    this.opts = opts;
    this.onFrame = onFrame;
  }

  push(chunk: Buffer): FramingError | undefined {
    const data = this.peekLen === 0 ? chunk : Buffer.concat([this.peek.subarray(0, this.peekLen), chunk]);
    const kind = detectFraming(data, data.length);
    if (kind === undefined) {
      data.copy(this.peek, 0);
      this.peekLen = data.length;
      return undefined;
    }
    this.peekLen = 0;
    return this.install(kind).push(data);
  }

  end(): FramingError | undefined {
    if (this.peekLen === 0) return undefined;
    // EOF before the header was complete: what came is a text record
    const data = Buffer.from(this.peek.subarray(0, this.peekLen));
    this.peekLen = 0;
    const inner = this.install('text');
    return inner.push(data) ?? inner.end();
  }

  /** Replaces this object's methods by the chosen decoder's, so detection never runs again. */
  private install(kind: DetectedFraming): FrameDecoder {
    this.detected = kind;
    const inner: FrameDecoder =
      kind === 'octet-counted' ? new OctetCountedDecoder(this.opts, this.onFrame) : new TextDecoder(this.opts, this.onFrame);
    this.push = inner.push.bind(inner);
    this.end = inner.end.bind(inner);
    return inner;
  }
}
