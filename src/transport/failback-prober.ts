/**
 * failback(): while a destination is away from its primary server, try a
 * plain TCP connect to the primary every tcp-probe-interval() seconds; after
 * successful-probes-required() successes in a row the probe socket itself is
 * handed over as the new connection (as syslog-ng does, so the switch does
 * not depend on yet another connect succeeding). A failed probe resets the run.
 */
import * as dns from 'node:dns/promises';
import * as net from 'node:net';
import { internalLog } from '../core/internal-log.ts';
import { fdOf, formatSockAddr, osErrorText, type IpProtocol } from './addresses.ts';

export interface FailbackProberOptions {
  host: string;
  port: number;
  ipProtocol: IpProtocol;
  localip: string | undefined;
  /** tcp-probe-interval() in ms */
  intervalMs: number;
  /** successful-probes-required() */
  required: number;
  /** the primary looks stable: here is a connected socket to it */
  onStable(socket: net.Socket): void;
}

export class FailbackProber {
  #o: FailbackProberOptions;
  #timer: NodeJS.Timeout | undefined;
  #probe: net.Socket | undefined;
  #successes = 0;
  #running = false;

  constructor(opts: FailbackProberOptions) {
    this.#o = opts;
  }

  get running(): boolean {
    return this.#running;
  }

  get successes(): number {
    return this.#successes;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#successes = 0;
    this.#schedule();
  }

  stop(): void {
    this.#running = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#probe?.destroy();
    this.#probe = undefined;
  }

  #interval(): number {
    return this.#o.intervalMs;
  }

  #schedule(): void {
    if (!this.#running) return;
    this.#timer = setTimeout(() => void this.#tryOnce(), this.#interval());
  }

  async #tryOnce(): Promise<void> {
    const o = this.#o;
    internalLog('notice', 'Probing the primary server.', { 'tcp-probe-interval': this.#interval() / 1000 });
    let address: string;
    try {
      address = (await dns.lookup(o.host, { family: o.ipProtocol === 6 ? 6 : 4 })).address;
    } catch {
      internalLog('warning', 'Unable to resolve the address of the primary server', { address: o.host });
      this.#failed();
      return;
    }
    if (!this.#running) return;
    const sock = net.connect({ host: address, port: o.port, localAddress: o.localip, family: o.ipProtocol === 6 ? 6 : 4 });
    this.#probe = sock;
    const server = formatSockAddr({ address, port: o.port });
    sock.once('error', (err) => {
      if (this.#probe !== sock) return;
      this.#probe = undefined;
      internalLog('error', 'Connection towards primary server failed', { fd: fdOf(sock), server, error: osErrorText(err) });
      sock.destroy();
      this.#failed();
    });
    sock.once('connect', () => {
      if (this.#probe !== sock) return;
      this.#probe = undefined;
      this.#successes++;
      internalLog('notice', 'Probing primary server successful', {
        'successful-probes-received': this.#successes,
        'successful-probes-required': o.required,
      });
      if (this.#successes >= o.required) {
        internalLog('notice', 'Primary server seems to be stable, reconnecting to primary server');
        this.stop();
        sock.removeAllListeners('error');
        o.onStable(sock);
        return;
      }
      sock.destroy();
      this.#schedule();
    });
  }

  #failed(): void {
    this.#successes = 0;
    this.#schedule();
  }
}
