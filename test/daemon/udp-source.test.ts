/** network(transport(udp)) and udp(): one datagram, one message, with the sender's facts. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import * as path from 'node:path';
import { tempDir, waitForLines } from '../helpers/peers.ts';
import { skipUnlessLogferry, startLogferry } from '../helpers/daemon.ts';
import { freePort } from '../helpers/ports.ts';

test('UDP sources turn each datagram into one message', { timeout: 30_000, skip: skipUnlessLogferry() }, async (t) => {
  const dir = tempDir('lf-udp');
  t.after(() => dir.remove());
  const [p1, p2] = [await freePort(), await freePort()];
  const out = path.join(dir.path, 'out.log');
  const d = await startLogferry({
    config: `@version: 4.27
options { use-dns(no); keep-hostname(yes); };
source s_net { network(ip(127.0.0.1) port(${p1}) transport(udp)); };
source s_legacy { udp(ip(127.0.0.1) port(${p2}) encoding("iso-8859-2")); };
destination d { file("${out}" template("\${SOURCE} \${TRANSPORT} \${PROTO} \${SOURCEIP} \${HOST} \${PROGRAM} \${MSG}\\n")); };
log { source(s_net); source(s_legacy); destination(d); };
`,
    readyStderr: /starting up/,
  });
  t.after(() => d.stop());
  const sock = dgram.createSocket('udp4');
  t.after(() => sock.close());
  sock.send(Buffer.from('<13>Nov 23 10:00:00 web1 nginx[7]: GET /\n'), p1, '127.0.0.1');
  sock.send(Buffer.from('<13>Nov 23 10:00:01 web2 app: \xe1rv\xedz', 'latin1'), p2, '127.0.0.1');
  const lines = (await waitForLines(out, 2, 15_000)).map((l) => Buffer.from(l, 'latin1').toString('utf8')).sort();
  assert.deepEqual(lines, ['s_legacy bsdsyslog+udp 17 127.0.0.1 web2 app árvíz', 's_net bsdsyslog+udp 17 127.0.0.1 web1 nginx GET /']);
});
