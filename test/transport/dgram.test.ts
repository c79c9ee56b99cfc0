import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { PeerAddress } from '../../src/tls/types.ts';
import { createDgramSender, MAX_UDP_PAYLOAD } from '../../src/transport/connector.ts';
import { createDgramListener } from '../../src/transport/dgram-listener.ts';
import { asCompiled, captureLogs, type LogCapture } from './helpers.ts';

let logs: LogCapture;
before(() => {
  logs = captureLogs();
});
after(() => logs.stop());

function collector(count: number): { got: Array<{ buf: Buffer; peer: PeerAddress; local: PeerAddress }>; done: Promise<void>; push: (b: Buffer, p: PeerAddress, l: PeerAddress) => void } {
  const got: Array<{ buf: Buffer; peer: PeerAddress; local: PeerAddress }> = [];
  let resolve!: () => void;
  const done = new Promise<void>((r) => (resolve = r));
  return {
    got,
    done,
    push(buf, peer, local) {
      got.push({ buf, peer, local });
      if (got.length === count) resolve();
    },
  };
}

test('udp: one datagram per message, oversize cut at 65507', async () => {
  const c = collector(3);
  const l = await createDgramListener({ ...asCompiled.dgramListener(), ip: '127.0.0.1', port: 0 }, c.push);
  const s = await createDgramSender({ ...asCompiled.dgramSender(), host: '127.0.0.1', port: l.address.port });
  try {
    await new Promise<void>((resolve, reject) => s.send([Buffer.from('<13>one'), Buffer.from('<13>two')], (err) => (err ? reject(err) : resolve())));
    s.send(Buffer.alloc(70_000, 0x7a));
    await c.done;
    assert.deepEqual(c.got.slice(0, 2).map((g) => g.buf.toString()).sort(), ['<13>one', '<13>two']);
    assert.equal(c.got[2].buf.length, MAX_UDP_PAYLOAD);
    assert.equal(c.got[0].peer.address, '127.0.0.1');
    assert.equal(c.got[0].local.port, l.address.port);
  } finally {
    await s.close();
    await l.close();
  }
});

test('udp over IPv6 with ip-protocol(6)', async () => {
  const c = collector(1);
  const l = await createDgramListener({ ...asCompiled.dgramListener(), ip: '::1', port: 0, ipProtocol: 6 }, c.push);
  const s = await createDgramSender({ ...asCompiled.dgramSender(), host: '::1', port: l.address.port, ipProtocol: 6 });
  try {
    s.send(Buffer.from('<13>v6'));
    await c.done;
    assert.equal(c.got[0].peer.family, 'IPv6');
  } finally {
    await s.close();
    await l.close();
  }
});

test('so-rcvbuf(): a size the kernel refuses is warned about with both numbers', async () => {
  const wanted = 1024 * 1024 * 1024;
  const l = await createDgramListener({ ...asCompiled.dgramListener(), ip: '127.0.0.1', port: 0, soRcvbuf: wanted }, () => {});
  try {
    const w = logs.find('The kernel refused to set the receive buffer (SO_RCVBUF) to the requested size, you probably need to adjust buffer related kernel parameters');
    assert.ok(w, 'warning logged');
    assert.equal(w.level, 'warning');
    assert.equal(w.tags.so_rcvbuf, wanted);
    assert.ok(Number(w.tags.so_rcvbuf_set) < wanted);
  } finally {
    await l.close();
  }
  const before = logs.events.length;
  const ok = await createDgramListener({ ...asCompiled.dgramListener(), ip: '127.0.0.1', port: 0, soRcvbuf: 64 * 1024 }, () => {});
  try {
    assert.ok(ok.recvBufferSize >= 64 * 1024);
    assert.equal(logs.events.length, before, 'no warning when honoured');
  } finally {
    await ok.close();
  }
});

test('so-reuseport(): two listeners share one UDP port', async () => {
  const a = await createDgramListener({ ...asCompiled.dgramListener(), ip: '127.0.0.1', port: 0, soReuseport: true }, () => {});
  try {
    const b = await createDgramListener({ ...asCompiled.dgramListener(), ip: '127.0.0.1', port: a.address.port, soReuseport: true }, () => {});
    assert.equal(b.address.port, a.address.port);
    await b.close();
  } finally {
    await a.close();
  }
});
