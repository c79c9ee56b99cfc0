/**
 * Load senders that run until told to stop: N `openssl s_client` processes replaying a cached
 * payload in a loop (they can present a client certificate: mutual auth), or one loggen (server
 * auth or plain TCP; it writes one TLS record per message). Stopped by PID.
 */
import { ManagedProcess, loggenArgs, requirePeers, sClientArgs, which } from '../../test/helpers/peers.ts';
import type { SClientOptions } from '../../test/helpers/peers.ts';

export interface Sender {
  readonly procs: ManagedProcess[];
  /** error text if a sender died before stop() (e.g. rejected handshake) */
  failure(): string | undefined;
  stop(): Promise<void>;
}

/** `conns` s_client processes, each streaming `payload` over and over until stop(). */
export function startSClients(conns: number, payload: Buffer, opts: SClientOptions): Sender {
  let stopping = false;
  const procs: ManagedProcess[] = [];
  for (let i = 0; i < conns; i++) {
    const p = new ManagedProcess('openssl', sClientArgs(opts), { name: `s_client #${i}`, stdin: 'pipe' });
    procs.push(p);
    const stdin = p.child.stdin!;
    stdin.on('error', () => {}); // EPIPE after stop or a rejected handshake: reported via failure()
    void (async () => {
      // bounded by the benchmark window: stop() sets `stopping` and kills the process
      for (let rep = 0; rep < 1_000_000 && !stopping && p.running; rep++) {
        if (!stdin.write(payload)) {
          await new Promise<void>((res) => {
            const done = (): void => {
              stdin.off('drain', done);
              stdin.off('close', done);
              res();
            };
            stdin.once('drain', done);
            stdin.once('close', done);
          });
        }
      }
    })();
  }
  return {
    procs,
    failure() {
      if (stopping) return undefined;
      const dead = procs.find((p) => !p.running);
      return dead ? `${dead.name} exited early: ${dead.stderrTail(5)}` : undefined;
    },
    async stop() {
      stopping = true;
      await Promise.all(procs.map((p) => p.stop(2000)));
    },
  };
}

/** One loggen with `conns` connections running for at most `seconds` (stopped earlier by stop()). */
export function startLoggen(o: { port: number; tls: boolean; proto: 'syslog' | 'network'; conns: number; seconds: number; size: number }): Sender {
  requirePeers('loggen');
  const bin = which('loggen')!;
  let stopping = false;
  const p = new ManagedProcess(bin, loggenArgs({
    port: o.port, tls: o.tls, syslogProto: o.proto === 'syslog', interval: o.seconds, conns: o.conns, size: o.size,
  }), { name: 'loggen', captureStdout: true });
  return {
    procs: [p],
    failure() {
      if (stopping || p.running) return undefined;
      return p.exitInfo?.code === 0 ? undefined : `loggen exited early: ${p.stderrTail(5)}`;
    },
    async stop() {
      stopping = true;
      await p.stop(2000);
    },
  };
}
