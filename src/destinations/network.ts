/**
 * network() and syslog() destinations (and tcp()/udp()): a queued
 * destination over a connector. Batches of up to flush-lines records go out
 * in one write; a batch is acknowledged when the socket accepted it, and put
 * back at the front of the queue when the connection broke before that, so
 * it is sent again after the reconnect (syslog-ng's rewind).
 */
import type { NetworkDestinationSettings } from '../config/settings/index.ts';
import { LocatedError } from '../core/location.ts';
import type { LogMessage } from '../message/log-message.ts';
import { createFormatter, type Formatter } from '../syslog/format/create.ts';
import { BatchEncoder } from '../syslog/framing/batch-encoder.ts';
import type { TlsEndpoint } from '../tls/types.ts';
import { createConnector, createDgramSender, type Connector, type ConnectorOptions, type DgramSender, type DgramSenderOptions } from '../transport/connector.ts';
import type { QueueEntry } from '../pipeline/queue.ts';
import type { DestinationDriver } from '../pipeline/types.ts';
import { byteExact, outputSettings, type DriverEnv } from './common.ts';
import { QueuedDestination, type QueuedOptions } from './queued.ts';
import { DiskBufferedDestination } from './disk-buffered.ts';
import { bufferDir } from './buffer-dir.ts';
import { frameRecord } from '../syslog/framing/record-frame.ts';

/** records a disk-buffered sender reads at a time, at least (README's duplicate bound names it) */
export const READ_BATCH = 1024;
import { ACK_ALPN } from './delivery-link.ts';

class StreamDestination extends QueuedDestination {
  private readonly o: ConnectorOptions;
  private readonly formatter: Formatter;
  private readonly encode: (m: LogMessage) => string | Buffer;
  private readonly encoder: BatchEncoder;
  private connector: Connector | undefined;

  readonly effective: Record<string, unknown>;

  constructor(q: QueuedOptions, o: ConnectorOptions, formatter: Formatter, octetCounted: boolean) {
    super(q);
    this.o = o;
    this.effective = { ...q, ...o, octetCounted, format: (m: LogMessage) => formatter.format(m) };
    this.formatter = formatter;
    this.encode = byteExact((m) => formatter.format(m));
    this.encoder = new BatchEncoder({ framing: octetCounted ? 'octet-counted' : 'none', flushLines: q.flushLines });
  }

  async start(): Promise<void> {
    this.connector = createConnector(
      this.o,
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
    this.connector!.write(buf, (err) => {
      // a broken connection sends the whole batch again: only an accepted write counts its bytes
      if (!err) this.addWrittenBytes(buf.length);
      done(err ?? undefined);
    });
  }

  protected override onWriteError(): void {
    // the connector already logged why the connection broke; the batch is re-sent after reconnecting
  }

  protected async close(): Promise<void> {
    await this.connector?.close();
  }
}

class DgramDestination extends QueuedDestination {
  private readonly o: DgramSenderOptions;
  private readonly encode: (m: LogMessage) => string | Buffer;
  private sender: DgramSender | undefined;

  readonly effective: Record<string, unknown>;

  constructor(q: QueuedOptions, o: DgramSenderOptions, formatter: Formatter) {
    super(q);
    this.o = o;
    this.effective = { ...q, ...o, format: (m: LogMessage) => formatter.format(m) };
    this.encode = byteExact((m) => formatter.format(m));
  }

  async start(): Promise<void> {
    this.sender = await createDgramSender(this.o);
  }

  protected writeBatch(entries: QueueEntry[], done: (err?: Error) => void): void {
    const bufs = entries.map((e) => {
      const r = this.encode(e.msg);
      return typeof r === 'string' ? Buffer.from(r, 'utf8') : r;
    });
    this.sender!.send(bufs, (err) => {
      if (!err) for (const b of bufs) this.addWrittenBytes(b.length);
      done(err ?? undefined);
    });
  }

  protected async close(): Promise<void> {
    await this.sender?.close();
  }
}

function remoteOf(n: NetworkDestinationSettings) {
  return { host: n.host, port: n.port, ipProtocol: n.ipProtocol, localip: n.localip, localport: n.localport };
}

/** the connector a stream destination's settings ask for (tests of transport/ start from these too) */
export function connectorOptions(n: NetworkDestinationSettings, name: string, tls: TlsEndpoint | undefined): ConnectorOptions {
  const fb = n.failover?.failback;
  return {
    ...remoteOf(n),
    servers: n.failover ? [...n.failover.servers] : [],
    failback: fb ? { probeIntervalMs: fb.tcpProbeInterval * 1000, probesRequired: fb.successfulProbesRequired } : undefined,
    tls,
    timeReopenMs: n.timeReopen * 1000,
    closeOnInput: n.closeOnInput,
    maxLifetimeMs: n.maxConnectionLifetime * 1000,
    soKeepalive: n.soKeepalive,
    tcpKeepaliveTime: n.tcpKeepaliveTime,
    location: n.loc,
    name,
  };
}

/** the sender a datagram destination's settings ask for */
export function dgramSenderOptions(n: NetworkDestinationSettings): DgramSenderOptions {
  return { ...remoteOf(n), soSndbuf: n.soSndbuf, soBroadcast: n.soBroadcast, ipTtl: n.ipTtl, truncateSize: n.truncateSize };
}

export function createNetworkDestination(driver: string, n: NetworkDestinationSettings, env: DriverEnv, name: string, q: QueuedOptions): DestinationDriver {
  const out = outputSettings(n);
  const formatter = createFormatter(driver === 'syslog' ? 'syslog' : 'network', out.format);
  let endpoint: TlsEndpoint | undefined;
  if (n.tls && n.transport.tls === 'required') {
    const at = n.where.tls ?? n.loc;
    try {
      endpoint = env.tlsEndpoint('client', n.tls, at);
    } catch (err) {
      throw new LocatedError((err as Error).message, at);
    }
  }
  // dry run (-s): nothing to open; the formatter, templates and TLS material were all checked above
  if (n.transport.socket === 'datagram') return new DgramDestination(q, dgramSenderOptions(n), formatter);
  const o = connectorOptions(n, name, endpoint);
  const octetCounted = n.transport.framing === 'octet-counted';
  if (n.diskBuffer) return diskBuffered(n, env, name, o, formatter, octetCounted, q.flushLines, q.throttle);
  return new StreamDestination(q, o, formatter, octetCounted);
}

/** disk-buffer(): records framed once, kept on disk until the link lets them go (disk-buffered.ts) */
function diskBuffered(n: NetworkDestinationSettings, env: DriverEnv, name: string, o: ConnectorOptions, formatter: Formatter, octetCounted: boolean, flushLines: number, throttle: number): DestinationDriver {
  const db = n.diskBuffer!;
  const at = n.where.diskBuffer ?? n.loc;
  const base = db.dir ?? env.stateDir;
  if (base === undefined && !env.dryRun) throw new LocatedError('disk-buffer() needs dir() here: logferry has no persist file directory to keep the buffer in', at);
  const encode = byteExact((m) => formatter.format(m));
  return new DiskBufferedDestination({
    name,
    dir: bufferDir(base ?? '.', name),
    reliable: db.reliable,
    maxBytes: db.diskBufSize,
    memBufSize: db.memBufSize,
    // a logferry receiver may agree to acknowledge; any other peer ignores the offer
    connector: o.tls ? { ...o, alpnProtocols: [ACK_ALPN] } : o,
    frame: (m) => frameRecord(encode(m), octetCounted),
    resendWindow: { windowMs: db.resendWindowTime * 1000, windowBytes: db.resendWindowBytes },
    readBatch: Math.max(flushLines, READ_BATCH),
    throttle,
    location: at,
  });
}
