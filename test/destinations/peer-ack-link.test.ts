/**
 * The sender's acknowledging link against a fake socket: hello once, records
 * with their seq and exact payload, records freed only by the receiver's acks
 * (not by the socket taking the bytes), a malformed ack stream closes the
 * connection, and chooseLink picks the link by the negotiated ALPN.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type * as net from 'node:net';
import { peerAckLink } from '../../src/destinations/peer-ack-link.ts';
import { chooseLink } from '../../src/destinations/choose-link.ts';
import { ACK_ALPN, type DeliveryLink, type LinkContext } from '../../src/destinations/delivery-link.ts';
import { SenderFrameDecoder, encodeAck } from '../../src/syslog/framing/ack-protocol.ts';

class FakeSocket extends EventEmitter {
  remoteAddress = '127.0.0.1';
  remotePort = 6514;
  alpnProtocol: string | false = false;
  destroyed = false;
  destroy(): void {
    this.destroyed = true;
  }
}

function ctxOf(sock: FakeSocket, firstSeq = 10): LinkContext {
  return { socket: sock as unknown as net.Socket, senderId: '0123456789abcdef0123456789abcdef', firstSeq };
}

test('hello once, then records carrying their seq and the plain payload bytes', () => {
  const sock = new FakeSocket();
  const link = peerAckLink(ctxOf(sock));
  const a = link.encode([{ seq: 10, payload: Buffer.from('5 hello') }, { seq: 11, payload: Buffer.from('3 two') }]);
  const b = link.encode([{ seq: 12, payload: Buffer.from('1 x') }]);
  const dec = new SenderFrameDecoder();
  const frames = [...dec.push(a), ...dec.push(b)];
  assert.deepEqual(frames, [
    { type: 'hello', version: 1, senderId: '0123456789abcdef0123456789abcdef', firstSeq: 10 },
    { type: 'record', seq: 10, payload: Buffer.from('5 hello') },
    { type: 'record', seq: 11, payload: Buffer.from('3 two') },
    { type: 'record', seq: 12, payload: Buffer.from('1 x') },
  ]);
});

test('records become ackable only when the receiver acks them, split acks included', () => {
  const sock = new FakeSocket();
  const link = peerAckLink(ctxOf(sock));
  const acked: number[] = [];
  link.onAckable = (s) => acked.push(s);
  link.encode([{ seq: 10, payload: Buffer.from('a\n') }, { seq: 11, payload: Buffer.from('b\n') }]);
  link.written(11, 100);
  assert.deepEqual(acked, [], 'bytes accepted by the socket free nothing');
  const wire = Buffer.concat([encodeAck(10), encodeAck(11)]);
  sock.emit('data', wire.subarray(0, 4));
  assert.deepEqual(acked, []);
  sock.emit('data', wire.subarray(4));
  assert.deepEqual(acked, [11], 'one call for the highest ack of a chunk');
  sock.emit('data', encodeAck(11));
  assert.deepEqual(acked, [11], 'a repeated ack frees nothing new');
  link.close();
  sock.emit('data', encodeAck(12));
  assert.deepEqual(acked, [11], 'nothing after close()');
  assert.equal(sock.listenerCount('data'), 0);
});

test('a malformed ack stream closes the connection and frees nothing', () => {
  const sock = new FakeSocket();
  const link = peerAckLink(ctxOf(sock));
  const acked: number[] = [];
  link.onAckable = (s) => acked.push(s);
  sock.emit('data', Buffer.from('<13>not an ack'));
  assert.equal(sock.destroyed, true);
  assert.deepEqual(acked, []);
});

test('chooseLink: the ack link when ALPN selected logferry-ack/1, the plain one otherwise', () => {
  const plainMade: LinkContext[] = [];
  const plain = (ctx: LinkContext): DeliveryLink => {
    plainMade.push(ctx);
    return { onAckable: () => {}, encode: () => Buffer.from('plain'), written: () => {}, close: () => {} };
  };
  const ack = new FakeSocket();
  ack.alpnProtocol = ACK_ALPN;
  const l1 = chooseLink(ctxOf(ack), plain);
  assert.equal(plainMade.length, 0);
  assert.equal(l1.encode([{ seq: 1, payload: Buffer.from('x') }])[0], 0x48, 'starts with the hello');
  const none = new FakeSocket();
  const l2 = chooseLink(ctxOf(none), plain);
  assert.equal(plainMade.length, 1);
  assert.equal(l2.encode([]).toString(), 'plain');
});
