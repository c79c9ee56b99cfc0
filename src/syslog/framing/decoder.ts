/** Picks the stream decoder for a framing kind (see drivers.md §4). */
import { AutoDecoder } from './auto-decoder.ts';
import { DatagramDecoder } from './datagram.ts';
import { OctetCountedDecoder } from './octet-decoder.ts';
import { Terminators, TextDecoder } from './text-decoder.ts';
import type { FramingKind, DecoderOptions, FrameDecoder, FrameHandler } from './types.ts';

export type { FramingKind, DecoderOptions, FrameDecoder, FrameHandler, FramingError } from './types.ts';

export function createDecoder(kind: FramingKind, opts: DecoderOptions, onFrame: FrameHandler): FrameDecoder {
  switch (kind) {
    case 'octet-counted':
      return new OctetCountedDecoder(opts, onFrame);
    case 'newline':
      return new TextDecoder(opts, onFrame, Terminators.LF_OR_NUL);
    case 'text-with-nuls':
      return new TextDecoder(opts, onFrame, Terminators.LF);
    case 'nul-terminated':
      return new TextDecoder(opts, onFrame, Terminators.NUL);
    case 'auto':
      return new AutoDecoder(opts, onFrame);
    case 'datagram':
      return new DatagramDecoder(opts, onFrame);
  }
}
