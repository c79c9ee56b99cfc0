/**
 * The server-auth and mutual-auth examples of examples.md §1-§2 and §4.2/§4.3,
 * taken from the spec text, with only file paths, the address and the port
 * substituted: a logferry sender with the destination block, a logferry
 * receiver with the source block, messages end to end, exactly once each.
 * The blocks are the project's copies in test/fixtures/examples/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makePki, readLines, skipUnlessPeers, tempDir, waitForMarkerLine, type Pki } from '../helpers/peers.ts';
import { skipUnlessLogferry, startLogferry } from '../helpers/daemon.ts';
import { freePort } from '../helpers/ports.ts';
import { exampleSection } from '../helpers/fixtures.ts';

/** The config blocks of one examples.md section (test/fixtures/examples/<section>-<n>.conf). */
function blocks(section: string): string[] {
  const found = exampleSection(section);
  assert.ok(found.length > 0, `test/fixtures/examples has blocks of examples.md §${section}`);
  return found;
}

function substitute(cfg: string, pki: Pki, port: number): string {
  return cfg
    .replace(/'/g, '"')
    .replace(/"[^"]*\/ca\.d\/?"/g, `"${pki.caDir}"`)
    .replace(/"[^"]*(syslog-ng\.key|server_privatekey\.pem)"/g, `"${pki.serverKey}"`)
    .replace(/"[^"]*(syslog-ng\.cert|server_certificate\.pem)"/g, `"${pki.serverCert}"`)
    .replace(/"[^"]*(client\.key|client_key\.pem)"/g, `"${pki.client1Key}"`)
    .replace(/"[^"]*(client_cert\.pem|client_certificate\.pem)"/g, `"${pki.client1Cert}"`)
    .replace(/"10\.1\.2\.3"|"10\.100\.20\.40"/g, '"127.0.0.1"')
    .replace(/ip\((0\.0\.0\.0|10\.100\.20\.40)\)/g, 'ip(127.0.0.1)')
    .replace(/port\(\d+\)/g, `port(${port})`)
    .replace(/transport\("tls"\)\n/g, `transport("tls") port(${port})\n`);
}

function objectName(cfg: string, kind: 'source' | 'destination'): string {
  const m = new RegExp(`${kind}\\s+(\\S+)\\s*\\{`).exec(cfg);
  assert.ok(m, `a ${kind} statement`);
  return m[1];
}

const PAIRS: Array<{ name: string; dst: [string, number]; src: [string, number]; mutual: boolean }> = [
  { name: '§1.2 network() destination → §1.5 network() source (server auth)', dst: ['1.2', 0], src: ['1.5', 0], mutual: false },
  { name: '§1.3 syslog() destination → §1.5 syslog() source (server auth)', dst: ['1.3', 0], src: ['1.5', 1], mutual: false },
  { name: '§2.1 network() destination → §2.2 network() source (mutual auth)', dst: ['2.1', 0], src: ['2.2', 0], mutual: true },
  { name: '§2.1 syslog() destination → §2.2 syslog() source (mutual auth)', dst: ['2.1', 1], src: ['2.2', 1], mutual: true },
  { name: '§4.3 syslog() destination → §4.2 syslog() source (mutual auth)', dst: ['4.3', 0], src: ['4.2', 0], mutual: true },
];

const N = 200;

test('examples.md TLS examples carry messages end to end', { timeout: 120_000, skip: skipUnlessLogferry() || skipUnlessPeers('openssl') }, async (t) => {
  const dir = tempDir('lf-examples');
  t.after(() => dir.remove());
  const pki = await makePki(path.join(dir.path, 'pki'));
  for (const p of PAIRS) {
    await t.test(p.name, async (st) => {
      const port = await freePort();
      const dst = substitute(blocks(p.dst[0])[p.dst[1]], pki, port);
      const src = substitute(blocks(p.src[0])[p.src[1]], pki, port);
      const work = fs.mkdtempSync(path.join(dir.path, 'pair-'));
      const out = path.join(work, 'received.log');
      const input = path.join(work, 'input.log');
      const receiver = await startLogferry({
        config: `@version: 4.27\noptions { use-dns(no); keep-hostname(yes); };\n${src}\ndestination d_out { file("${out}" template("\${MSG} cn=\${.tls.x509_cn}\\n")); };\nlog { source(${objectName(src, 'source')}); destination(d_out); };\n`,
        readyPorts: [port],
      });
      st.after(() => receiver.stop());
      fs.writeFileSync(input, '');
      const sender = await startLogferry({
        config: `@version: 4.27\noptions { use-dns(no); keep-hostname(yes); time-reopen(1); };\nsource s_in { file("${input}" follow-freq(1)); };\n${dst}\nlog { source(s_in); destination(${objectName(dst, 'destination')}); flags(flow-control); };\n`,
      });
      st.after(() => sender.stop());
      const lines = Array.from({ length: N }, (_, i) => `example message ${i}`);
      // the marker goes last on the same connection: when its line is written, so is everything
      // before it, and the count below must be exact (a duplicate is an extra line)
      const marker = 'END-OF-EXAMPLE';
      fs.appendFileSync(input, [...lines, marker].map((l) => `myapp: ${l}`).join('\n') + '\n');
      const got = await waitForMarkerLine(out, marker, 30_000);
      const cn = p.mutual ? 'client1' : '';
      assert.deepEqual(got, [...lines, marker].map((l) => `${l} cn=${cn}`));
      for (const d of [sender, receiver]) {
        const e = await d.stop(10_000);
        assert.ok(e.signal !== 'SIGKILL', `${d.name} had to be killed`);
      }
      assert.equal((await readLines(out)).length, N + 1, 'lines written after the end marker');
    });
  }
});
