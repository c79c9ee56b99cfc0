/**
 * Which link a disk-buffered destination speaks on one connection. Today
 * always the plain one (a resend window, any syslog peer); the one place that
 * picks the acknowledging link when the peer negotiated it.
 */
import type { DeliveryLink, LinkContext, LinkFactory } from './delivery-link.ts';

export function chooseLink(ctx: LinkContext, plain: LinkFactory): DeliveryLink {
  return plain(ctx);
}
