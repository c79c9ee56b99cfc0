/**
 * Looks at the first bytes a peer sends without consuming them: the chunk is
 * put back with `unshift`, so whoever reads next (the TLS layer or the plain
 * reader) sees the stream from its first byte.
 */
import type * as net from 'node:net';

/** TLS record type 22 (handshake): every ClientHello starts with it. */
export const TLS_HANDSHAKE_RECORD = 0x16;

export function looksLikeTls(first: Buffer): boolean {
  return first.length > 0 && first[0] === TLS_HANDSHAKE_RECORD;
}

/**
 * Resolves with the first chunk (left in the socket's buffer), or null when
 * the peer closed or failed before sending anything.
 */
export function peekFirstChunk(socket: net.Socket): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const done = (chunk: Buffer | null): void => {
      socket.off('readable', onReadable);
      socket.off('end', onGone);
      socket.off('close', onGone);
      socket.off('error', onGone);
      resolve(chunk);
    };
    const onReadable = (): void => {
      const chunk = socket.read() as Buffer | null;
      if (chunk === null) return;
      socket.unshift(chunk);
      done(chunk);
    };
    const onGone = (): void => done(null);
    socket.on('readable', onReadable);
    socket.on('end', onGone);
    socket.on('close', onGone);
    socket.on('error', onGone);
  });
}
