/**
 * amqp() destination with publisher confirms. A batch from the memory queue
 * is published on a confirm channel and counts as written (its flow-control
 * acks fire, it leaves the queue) only when the broker confirmed every
 * message of it. A nack, or a channel or connection that closes first, fails
 * the batch: QueuedDestination puts it back at the front of the queue, and
 * it is published again, in order, after the reconnect (to the next
 * failover() server when there are several). So nothing is lost; a message
 * the broker had taken but not yet confirmed may arrive twice.
 * With disk-buffer() the records wait on disk instead (amqp-disk.ts).
 */
import type { AmqpDestinationSettings } from '../config/settings/index.ts';
import { LocatedError } from '../core/location.ts';
import type { QueueEntry } from '../pipeline/queue.ts';
import type { LogMessage } from '../message/log-message.ts';
import type { DestinationDriver } from '../pipeline/types.ts';
import type { DriverEnv } from './common.ts';
import { AmqpLink, type AmqpLinkOptions } from './amqp-link.ts';
import { amqpEncoder, showPublish, type AmqpEncoder } from './amqp-encode.ts';
import { QueuedDestination, type QueuedOptions } from './queued.ts';
import { AmqpDiskBufferedDestination } from './amqp-disk.ts';
import { bufferDir } from './buffer-dir.ts';

/** records the disk-buffered publisher reads at a time, at least */
const READ_BATCH = 1024;

export class AmqpDestination extends QueuedDestination {
  readonly link: AmqpLink;
  private readonly encode: AmqpEncoder;
  private readonly persistent: boolean;
  /** bumps on every connection change: confirms of an older batch are ignored */
  private epoch = 0;
  private failBatch: ((err: Error) => void) | undefined;

  readonly effective: Record<string, unknown>;

  constructor(q: QueuedOptions, l: AmqpLinkOptions, encode: AmqpEncoder, persistent: boolean) {
    super(q);
    this.effective = { ...q, ...l, persistent, format: (m: LogMessage) => showPublish(encode(m)) };
    this.encode = encode;
    this.persistent = persistent;
    this.link = new AmqpLink(
      l,
      () => this.kick(),
      () => {
        this.epoch++;
        this.failBatch?.(new Error('AMQP connection lost before the broker confirmed the batch'));
      },
    );
  }

  async start(): Promise<void> {
    this.link.start();
  }

  protected override ready(): boolean {
    return this.link.up;
  }

  protected writeBatch(entries: QueueEntry[], done: (err?: Error) => void): void {
    const epoch = this.epoch;
    let waiting = entries.length;
    let settled = false;
    let failed: Error | undefined;
    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      this.failBatch = undefined;
      done(err);
    };
    this.failBatch = finish;
    const onConfirm = (err: unknown) => {
      if (settled || epoch !== this.epoch) return;
      if (err && !failed) failed = err instanceof Error ? err : new Error('the broker refused (nack) a message');
      if (--waiting === 0) finish(failed);
    };
    const publishFrom = async (i: number): Promise<void> => {
      let bytes = 0;
      for (; i < entries.length; i++) {
        if (settled || epoch !== this.epoch || !this.link.up) return;
        const p = this.encode(entries[i].msg);
        bytes += p.body.length;
        if (!this.link.publish(p.routingKey, p.body, p.headers, this.persistent, onConfirm)) {
          this.addWrittenBytes(bytes);
          bytes = 0;
          await this.link.drained();
        }
      }
      this.addWrittenBytes(bytes);
    };
    publishFrom(0).catch((err: Error) => finish(err));
  }

  protected override onWriteError(): void {
    // the link logged why; the batch is published again after the reconnect
  }

  protected async close(): Promise<void> {
    await this.link.close();
  }
}

export function amqpLinkOptions(s: AmqpDestinationSettings, name: string): AmqpLinkOptions {
  return {
    name,
    hosts: [s.host, ...(s.failover ?? [])],
    port: s.port,
    vhost: s.vhost,
    exchange: s.exchange,
    exchangeDeclare: s.exchangeDeclare,
    exchangeType: s.exchangeType,
    username: s.username,
    password: s.password,
    authMethod: s.authMethod,
    maxChannel: s.maxChannel,
    frameSize: s.frameSize,
    heartbeat: s.heartbeat,
    caFile: s.caFile,
    certFile: s.certFile,
    keyFile: s.keyFile,
    peerVerify: s.peerVerify,
    timeReopenMs: s.timeReopen * 1000,
  };
}

export function createAmqpDestination(s: AmqpDestinationSettings, env: DriverEnv, name: string, q: QueuedOptions): DestinationDriver {
  if (s.authMethod === 'plain' && (s.username === undefined || s.password === undefined)) {
    throw new LocatedError('amqp(): username() and password() must be set for auth-method(plain); add them, or use auth-method(external) with a client certificate', s.loc);
  }
  if (s.authMethod === 'external' && s.certFile === undefined) {
    throw new LocatedError('amqp(): auth-method(external) authenticates with the client certificate; add cert-file() and key-file()', s.where.authMethod ?? s.loc);
  }
  const encode = amqpEncoder(s);
  const link = amqpLinkOptions(s, name);
  if (s.diskBuffer) {
    const db = s.diskBuffer;
    const at = s.where.diskBuffer ?? s.loc;
    const base = db.dir ?? env.stateDir;
    if (base === undefined && !env.dryRun) throw new LocatedError('disk-buffer() needs dir() here: logferry has no persist file directory to keep the buffer in', at);
    return new AmqpDiskBufferedDestination({
      name,
      dir: bufferDir(base ?? '.', name),
      reliable: db.reliable,
      maxBytes: db.diskBufSize,
      memBufSize: db.memBufSize,
      readBatch: Math.max(q.flushLines, READ_BATCH),
      persistent: s.persistent,
      link,
      encode,
      location: at,
    });
  }
  return new AmqpDestination(q, link, encode, s.persistent);
}
