/**
 * network() and syslog() destinations (and tcp()/udp()): a queued
 * destination over a connector. Batches of up to flush-lines records go out
 * in one write; a batch is acknowledged when the socket accepted it, and put
 * back at the front of the queue when the connection broke before that, so
 * it is sent again after the reconnect (syslog-ng's rewind).
 */
import type { DriverDecl } from '../config/plan.ts';
import { optBlock, optBool, optList, optNumber, optString } from '../config/plan-access.ts';
import { tlsOptionsFromBlock } from '../config/tls-block.ts';
import { LocatedError } from '../core/location.ts';
import type { LogMessage } from '../message/log-message.ts';
import { createFormatter, type Formatter } from '../syslog/format/create.ts';
import { BatchEncoder } from '../syslog/framing/batch-encoder.ts';
import type { TlsEndpoint } from '../tls/types.ts';
import { createConnector, createDgramSender, type Connector, type DgramSender } from '../transport/connector.ts';
import type { QueueEntry } from '../pipeline/queue.ts';
import type { DestinationDriver } from '../pipeline/types.ts';
import { byteExact, outputSettings, type DriverEnv } from './common.ts';
import { QueuedDestination, type QueuedOptions } from './queued.ts';

interface NetworkSettings {
  host: string;
  port: number;
  transport: string;
  ipProtocol: 4 | 6;
  localip?: string;
  localport?: number;
  endpoint?: TlsEndpoint;
  servers: string[];
  failback?: { probeIntervalMs: number; probesRequired: number };
  closeOnInput: boolean;
  soKeepalive: boolean;
  tcpKeepaliveTime: number;
  /** UDP only: so-sndbuf(), so-broadcast(), ip-ttl(), truncate-size() */
  soSndbuf?: number;
  soBroadcast: boolean;
  ipTtl?: number;
  truncateSize?: number;
  location: DriverDecl['loc'];
  /** the destination's name, for messages */
  name: string;
}

class StreamDestination extends QueuedDestination {
  private readonly s: NetworkSettings;
  private readonly formatter: Formatter;
  private readonly encode: (m: LogMessage) => string | Buffer;
  private readonly encoder: BatchEncoder;
  private connector: Connector | undefined;

  readonly effective: Record<string, unknown>;

  constructor(q: QueuedOptions, s: NetworkSettings, formatter: Formatter, octetCounted: boolean) {
    super(q);
    this.s = s;
    this.effective = { ...q, ...s, octetCounted, format: (m: LogMessage) => formatter.format(m) };
    this.formatter = formatter;
    this.encode = byteExact((m) => formatter.format(m));
    this.encoder = new BatchEncoder({ framing: octetCounted ? 'octet-counted' : 'none', flushLines: q.flushLines });
  }

  async start(): Promise<void> {
    this.connector = createConnector(
      {
        host: this.s.host,
        port: this.s.port,
        servers: this.s.servers,
        failback: this.s.failback,
        ipProtocol: this.s.ipProtocol,
        localip: this.s.localip,
        localport: this.s.localport,
        tls: this.s.endpoint,
        timeReopenMs: this.timeReopenMs,
        closeOnInput: this.s.closeOnInput,
        soKeepalive: this.s.soKeepalive,
        tcpKeepaliveTime: this.s.tcpKeepaliveTime,
        location: this.s.location,
        name: this.s.name,
      },
      {
        onConnected: () => {
          // a new connection numbers local messages from 1 again, as syslog-ng does
          this.formatter.resetSequence();
          this.kick();
        },
      },
    );
    this.connector.start();
  }

  protected override ready(): boolean {
    return this.connector?.connected ?? false;
  }

  protected writeBatch(entries: QueueEntry[], done: (err?: Error) => void): void {
    for (const e of entries) this.encoder.add(this.encode(e.msg));
    const buf = this.encoder.take();
    this.connector!.write(buf, (err) => done(err ?? undefined));
  }

  protected override onWriteError(): void {
    // the connector already logged why the connection broke; the batch is re-sent after reconnecting
  }

  protected async close(): Promise<void> {
    await this.connector?.close();
  }
}

class DgramDestination extends QueuedDestination {
  private readonly s: NetworkSettings;
  private readonly encode: (m: LogMessage) => string | Buffer;
  private sender: DgramSender | undefined;

  readonly effective: Record<string, unknown>;

  constructor(q: QueuedOptions, s: NetworkSettings, formatter: Formatter) {
    super(q);
    this.s = s;
    this.effective = { ...q, ...s, format: (m: LogMessage) => formatter.format(m) };
    this.encode = byteExact((m) => formatter.format(m));
  }

  async start(): Promise<void> {
    this.sender = await createDgramSender({
      host: this.s.host,
      port: this.s.port,
      ipProtocol: this.s.ipProtocol,
      localip: this.s.localip,
      localport: this.s.localport,
      soSndbuf: this.s.soSndbuf,
      soBroadcast: this.s.soBroadcast,
      ipTtl: this.s.ipTtl,
      truncateSize: this.s.truncateSize,
    });
  }

  protected writeBatch(entries: QueueEntry[], done: (err?: Error) => void): void {
    const bufs = entries.map((e) => {
      const r = this.encode(e.msg);
      return typeof r === 'string' ? Buffer.from(r, 'utf8') : r;
    });
    this.sender!.send(bufs, (err) => done(err ?? undefined));
  }

  protected async close(): Promise<void> {
    await this.sender?.close();
  }
}

export function createNetworkDestination(d: DriverDecl, env: DriverEnv, name: string, q: QueuedOptions): DestinationDriver {
  const b = d.options;
  const driver: 'network' | 'syslog' = d.driver === 'syslog' ? 'syslog' : 'network';
  const transport = optString(b, 'transport') ?? 'tcp';
  if (!['tcp', 'udp', 'tls'].includes(transport)) {
    throw new LocatedError(`transport(${transport}) is not available in a destination of logferry; use tcp, udp or tls`, b.locs['transport'] ?? d.loc);
  }
  const out = outputSettings(d, env, driver === 'network' ? 'proto-template' : undefined);
  const formatter = createFormatter(driver, out.format);
  const tlsBlock = optBlock(b, 'tls');
  let endpoint: TlsEndpoint | undefined;
  if (tlsBlock && transport === 'tls') {
    try {
      endpoint = env.tlsEndpoint('client', tlsOptionsFromBlock(tlsBlock), tlsBlock.loc);
    } catch (err) {
      throw new LocatedError((err as Error).message, tlsBlock.loc);
    }
  }
  const failover = optBlock(b, 'failover');
  const servers = [...(optList(failover, 'servers') ?? []), ...(optList(b, 'failover-servers') ?? [])];
  const fb = optBlock(failover, 'failback');
  const s: NetworkSettings = {
    host: d.positional[0],
    port: optNumber(b, 'port') ?? 514,
    transport,
    ipProtocol: (optNumber(b, 'ip-protocol') ?? 4) as 4 | 6,
    localip: optString(b, 'localip'),
    localport: optNumber(b, 'localport') || undefined,
    endpoint,
    servers,
    failback: fb ? { probeIntervalMs: (optNumber(fb, 'tcp-probe-interval') ?? 60) * 1000, probesRequired: optNumber(fb, 'successful-probes-required') ?? 3 } : undefined,
    closeOnInput: optBool(b, 'close-on-input') ?? true,
    soKeepalive: optBool(b, 'so-keepalive') ?? true,
    tcpKeepaliveTime: optNumber(b, 'tcp-keepalive-time') ?? 60,
    soSndbuf: optNumber(b, 'so-sndbuf') || undefined,
    soBroadcast: optBool(b, 'so-broadcast') ?? false,
    ipTtl: optNumber(b, 'ip-ttl') || undefined,
    truncateSize: optNumber(b, 'truncate-size'),
    location: d.loc,
    name,
  };
  if (env.dryRun) {
    // nothing to open; the formatter, templates and TLS material were all checked above
  }
  if (transport === 'udp') return new DgramDestination(q, s, formatter);
  return new StreamDestination(q, s, formatter, driver === 'syslog');
}
