/**
 * Shared shapes of the stream decoders. A decoder is a byte-only state
 * machine: it never decodes text, so any byte sequence passes through as is.
 */

/**
 * Receives one frame as `buf[start, end)`. The bytes are only valid during
 * the call: they may be a view of the caller's chunk or of a reused assembly
 * buffer, so a consumer that keeps them must copy.
 */
export type FrameHandler = (buf: Buffer, start: number, end: number) => void;

/** A framing problem, in syslog-ng's words (constant sentence + tags). */
export interface FramingError {
  message: string;
  tags: Record<string, string | number>;
  /** true: the connection must be closed (the decoder accepts nothing more) */
  fatal: boolean;
}

export interface FrameDecoder {
  /** Feeds one chunk; every complete frame in it is handed out before this returns. */
  push(chunk: Buffer): FramingError | undefined;
  /** End of input: hands out what a final unterminated record allows. */
  end(): FramingError | undefined;
  /** bytes held for a record whose end has not arrived yet (a file source persists the offset before them) */
  pending?(): number;
}

/** how records are delimited in a byte stream (or one record per datagram); the transport table picks one per driver */
export type FramingKind = 'octet-counted' | 'newline' | 'auto' | 'text-with-nuls' | 'nul-terminated' | 'datagram';

export interface DecoderOptions {
  /** `log-msg-size()`: the largest frame handed out, in bytes */
  maxMsgSize: number;
  /** `trim-large-messages(yes)`: deliver the head of an oversized octet frame instead of failing */
  trimLargeMessages?: boolean;
  /** `flags(empty-lines)`: hand out empty records too */
  emptyLines?: boolean;
  /**
   * Octet-counted frames and datagrams are handed out byte-exact, as
   * syslog-ng's logproto layer does, when true. By default their trailing
   * LF/NUL bytes are cut, which syslog-ng does at the start of parsing
   * (CR stays: syslog-ng keeps it too).
   */
  exact?: boolean;
}

/** Length of `buf[start, end)` without trailing LF and NUL bytes. */
export function trimLfNul(buf: Buffer, start: number, end: number): number {
  while (end > start && (buf[end - 1] === 0x0a || buf[end - 1] === 0x00)) end--;
  return end;
}

/** Length of `buf[start, end)` without trailing CR, LF and NUL bytes. */
export function trimCrLfNul(buf: Buffer, start: number, end: number): number {
  while (end > start) {
    const b = buf[end - 1];
    if (b !== 0x0a && b !== 0x0d && b !== 0x00) break;
    end--;
  }
  return end;
}
