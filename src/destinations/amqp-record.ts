/**
 * One amqp() message as a disk-buffer record: what is published, encoded
 * once at the append so a replay after a restart publishes the same bytes.
 * Layout: u16 routing-key length, routing key, u32 headers length, headers
 * (JSON object of strings), body (the rest).
 */
import type { AmqpPublish } from './amqp-encode.ts';

export function encodeAmqpRecord(p: AmqpPublish): Buffer {
  const rk = Buffer.from(p.routingKey, 'utf8');
  const h = Buffer.from(JSON.stringify(p.headers), 'utf8');
  const out = Buffer.allocUnsafe(2 + rk.length + 4 + h.length + p.body.length);
  let o = out.writeUInt16BE(rk.length, 0);
  o += rk.copy(out, o);
  o = out.writeUInt32BE(h.length, o);
  o += h.copy(out, o);
  p.body.copy(out, o);
  return out;
}

export function decodeAmqpRecord(b: Buffer): AmqpPublish {
  const rkLen = b.readUInt16BE(0);
  const routingKey = b.toString('utf8', 2, 2 + rkLen);
  const hLen = b.readUInt32BE(2 + rkLen);
  const hStart = 6 + rkLen;
  const headers = JSON.parse(b.toString('utf8', hStart, hStart + hLen)) as Record<string, string>;
  return { routingKey, headers, body: b.subarray(hStart + hLen) };
}
