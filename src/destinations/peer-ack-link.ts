/**
 * The acknowledging link (logferry-ack/1, docs/ack-transfer.md): used on a
 * connection whose TLS handshake selected ALPN `logferry-ack/1`, i.e. the
 * peer is a logferry receiver that dedupes by sender id and sequence number
 * and acks a record only once every destination it went to wrote it. So a
 * record leaves the buffer only on the receiver's ack, never because the
 * socket took its bytes: nothing is lost when the receiver dies, and what is
 * resent after a reconnect is dropped there if it had been written.
 */
import { internalLog } from '../core/internal-log.ts';
import { AckDecoder, AckProtocolError, encodeHello, encodeRecordHeader } from '../syslog/framing/ack-protocol.ts';
import type { DeliveryLink, LinkContext, LinkRecord } from './delivery-link.ts';

export function peerAckLink(ctx: LinkContext): DeliveryLink {
  const { socket } = ctx;
  const acks = new AckDecoder();
  let helloSent = false;
  let closed = false;
  let lastAck = -1;
  const peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;

  const onData = (chunk: Buffer): void => {
    if (closed) return;
    let seqs: number[];
    try {
      seqs = acks.push(chunk);
    } catch (err) {
      if (!(err instanceof AckProtocolError)) throw err;
      // the unacked records stay in the buffer and go again on the next connection
      internalLog('error', 'Malformed logferry-ack/1 stream from the receiver, closing the connection; unacknowledged messages are sent again after reconnecting', { peer, error: err.message });
      socket.destroy();
      return;
    }
    // only the highest matters: each ack covers every record before it
    const top = seqs.length > 0 ? seqs[seqs.length - 1] : -1;
    if (top > lastAck) {
      lastAck = top;
      link.onAckable(top);
    }
  };
  socket.on('data', onData);

  const link: DeliveryLink = {
    onAckable: () => {},
    encode(records: readonly LinkRecord[]): Buffer {
      const parts: Buffer[] = [];
      if (!helloSent) {
        helloSent = true;
        parts.push(encodeHello(ctx.senderId, ctx.firstSeq));
      }
      for (const r of records) parts.push(encodeRecordHeader(r.seq, r.payload.length), r.payload);
      return parts.length === 1 ? parts[0] : Buffer.concat(parts);
    },
    written(): void {
      // the socket taking the bytes proves nothing: only the receiver's ack frees a record
    },
    close(): void {
      closed = true;
      socket.off('data', onData);
    },
  };
  return link;
}
