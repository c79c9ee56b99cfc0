/**
 * Which link a disk-buffered destination speaks on one connection: the
 * acknowledging one (peer-ack-link.ts) when the TLS handshake selected ALPN
 * logferry-ack/1 (a logferry receiver), otherwise the plain one (a resend
 * window, any syslog peer). The one place that picks.
 */
import { ACK_ALPN, type DeliveryLink, type LinkContext, type LinkFactory } from './delivery-link.ts';
import { peerAckLink } from './peer-ack-link.ts';

export function chooseLink(ctx: LinkContext, plain: LinkFactory): DeliveryLink {
  const alpn = (ctx.socket as { alpnProtocol?: string | false | null }).alpnProtocol;
  return alpn === ACK_ALPN ? peerAckLink(ctx) : plain(ctx);
}
