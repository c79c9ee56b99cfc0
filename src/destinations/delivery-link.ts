/**
 * The seam between a disk-buffered destination (disk-buffered.ts) and the
 * protocol spoken on one connection: the plain link (resend-window-link.ts,
 * any syslog peer) or the acknowledging one between logferry nodes. The
 * destination reads records from its buffer, asks the link for the bytes to
 * write, tells it what the socket accepted, and removes records from the
 * buffer when the link says they may go.
 */
export interface LinkRecord { seq: number; payload: Buffer }   // payload = the framed wire bytes a plain
                                                               // syslog peer would get for this record
export interface DeliveryLink {
  /** bytes to write for these records, in order (plain: the payloads concatenated) */
  encode(records: readonly LinkRecord[]): Buffer;
  /** the bytes of records up to lastSeq were accepted by the socket */
  written(lastSeq: number, bytes: number): void;
  /** records up to and including seq may leave the buffer (set by the destination before use) */
  onAckable: (seq: number) => void;
  /** the connection ended: stop timers; unacked records will be re-read from the buffer and resent */
  close(): void;
  /**
   * (added by dbdest, optional) we ended the connection and the peer answered with its own end:
   * it read everything written before its end of file. A plain link may release every record
   * written; a link that waits for the receiver's acknowledgements ignores it.
   */
  peerClosed?(): void;
}
export interface LinkContext { socket: import('node:net').Socket; senderId: string; firstSeq: number; }
export type LinkFactory = (ctx: LinkContext) => DeliveryLink;
export const ACK_ALPN = 'logferry-ack/1';
