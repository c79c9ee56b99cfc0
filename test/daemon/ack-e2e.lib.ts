/**
 * Two logferry nodes for the acknowledged-transfer end-to-end tests: a sender
 * reading a file (flags(no-parse): each line is one message, "m<seq>") with
 * flow control into a syslog() TLS destination with
 * disk-buffer(reliable(yes)), and a receiver writing ${MSG} lines to a file.
 * Messages are counted by sequence number on the receiver's side.
 */
import type { TestContext } from 'node:test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makePki, tempDir, type Pki } from '../helpers/peers.ts';
import { startLogferry, type DaemonHandle } from '../helpers/daemon.ts';
import { freePort } from '../helpers/ports.ts';
import { inspectBuffer } from '../../src/buffer/inspect.ts';

export interface Nodes {
  input: string;
  out: string;
  sender: () => DaemonHandle;
  receiver: () => DaemonHandle;
  startReceiver(): Promise<DaemonHandle>;
  killReceiver(): Promise<void>;
  /** the sender's disk-buffer directory */
  bufferDir(): string;
  /** records in the sender's buffer not yet acknowledged */
  unacked(): number;
}

let pki: Pki | undefined;

export async function twoNodes(t: TestContext, name: string, lines: number): Promise<Nodes> {
  const dir = tempDir(name);
  t.after(() => dir.remove());
  pki ??= await makePki(path.join(tempDir('lf-ack-e2e-pki').path));
  const rxPort = await freePort();
  const input = path.join(dir.path, 'in.log');
  const out = path.join(dir.path, 'out.log');
  const rxDir = path.join(dir.path, 'rx');
  const txDir = path.join(dir.path, 'tx');
  fs.mkdirSync(rxDir);
  fs.mkdirSync(txDir);
  let text = '';
  for (let i = 0; i < lines; i++) text += `m${i}\n`;
  fs.writeFileSync(input, text);
  const rxConfig = `@version: 4.27
options { use-dns(no); };
source s { syslog(ip(127.0.0.1) port(${rxPort}) transport(tls) tls(key-file("${pki.serverKey}") cert-file("${pki.serverCert}") peer-verify(optional-untrusted))); };
destination d { file("${out}" template("\${MSG}\\n")); };
log { source(s); destination(d); };
`;
  const txConfig = `@version: 4.27
options { use-dns(no); time-reopen(1); };
source s { file("${input}" flags(no-parse) follow-freq(0.2)); };
destination d { syslog("127.0.0.1" port(${rxPort}) transport(tls) tls(ca-file("${pki.caFile}") peer-verify(optional-untrusted))
  disk-buffer(reliable(yes) disk-buf-size(268435456) dir("${txDir}"))); };
log { source(s); destination(d); flags(flow-control); };
`;
  let rx: DaemonHandle | undefined;
  t.after(() => rx?.stop());
  const startReceiver = async () => (rx = await startLogferry({ config: rxConfig, readyPorts: [rxPort], workdir: rxDir }));
  await startReceiver();
  const tx = await startLogferry({ config: txConfig, workdir: txDir });
  t.after(() => tx.stop());
  const bufferDir = () => {
    const d = fs.readdirSync(txDir).find((n) => n.startsWith('lfbuf-'));
    if (!d) throw new Error(`no disk buffer in ${txDir}`);
    return path.join(txDir, d);
  };
  return {
    input,
    out,
    sender: () => tx,
    receiver: () => rx!,
    startReceiver,
    async killReceiver() {
      process.kill(rx!.pid, 'SIGKILL');
      await rx!.process.exited;
    },
    bufferDir,
    unacked() {
      return inspectBuffer(bufferDir()).segments.reduce((n, s) => n + s.unacknowledged, 0);
    },
  };
}

/** per sequence number, how often the receiver wrote it */
export function tally(out: string, n: number): { lines: number; lost: number[]; dup: number[]; other: string[] } {
  const counts = new Uint32Array(n);
  const other: string[] = [];
  let lines = 0;
  const text = fs.existsSync(out) ? fs.readFileSync(out, 'latin1') : '';
  for (const line of text.split('\n')) {
    if (line === '') continue;
    lines++;
    const m = /^m(\d+)$/.exec(line);
    if (m && Number(m[1]) < n) counts[Number(m[1])]++;
    else if (other.length < 10) other.push(line);
  }
  const lost: number[] = [];
  const dup: number[] = [];
  counts.forEach((c, i) => (c === 0 ? lost.push(i) : c > 1 ? dup.push(i) : undefined));
  return { lines, lost, dup, other };
}

/** the number of lines in `file`, 0 when it does not exist yet */
export function lineCount(file: string): number {
  if (!fs.existsSync(file)) return 0;
  const b = fs.readFileSync(file);
  let n = 0;
  for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) n++;
  return n;
}

/** polls `cond` every 100 ms until true or `ms` passed (bounded) */
export async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
