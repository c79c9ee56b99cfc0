/**
 * One broker connection at a time for amqp(): connects to host() or, after a
 * failure, the next of failover(servers()) in turn; opens a confirm channel,
 * declares the exchange when asked, and publishes. Each publish's callback
 * fires once the broker confirmed (ack) or refused (nack) it, or with an
 * error when the channel or connection closed before that — which is what
 * lets a destination keep a message until the broker has it.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import amqp from 'amqplib';
import { internalLog } from '../core/internal-log.ts';

export interface AmqpLinkOptions {
  name: string;
  hosts: readonly string[];
  port: number;
  vhost: string;
  exchange: string;
  exchangeDeclare: boolean;
  exchangeType: string;
  username: string | undefined;
  password: string | undefined;
  authMethod: 'plain' | 'external';
  maxChannel: number;
  frameSize: number;
  heartbeat: number;
  caFile: string | undefined;
  certFile: string | undefined;
  keyFile: string | undefined;
  peerVerify: boolean;
  timeReopenMs: number;
}

export type ConfirmCb = (err: unknown) => void;

export class AmqpLink {
  private readonly o: AmqpLinkOptions;
  private readonly onUp: () => void;
  private readonly onDown: () => void;
  private conn: amqp.ChannelModel | undefined;
  private ch: amqp.ConfirmChannel | undefined;
  private next = 0;
  private timer: NodeJS.Timeout | undefined;
  private closing = false;
  /** the server of the connection up now (tests and -v) */
  current: string | undefined;
  /** connections made, failovers included */
  connects = 0;
  /** connection attempts that failed */
  failures = 0;

  constructor(o: AmqpLinkOptions, onUp: () => void, onDown: () => void) {
    this.o = o;
    this.onUp = onUp;
    this.onDown = onDown;
  }

  get up(): boolean {
    return this.ch !== undefined;
  }

  start(): void {
    void this.connect();
  }

  private tls(): boolean {
    return this.o.caFile !== undefined || this.o.certFile !== undefined || this.o.keyFile !== undefined;
  }

  private async connect(): Promise<void> {
    if (this.closing) return;
    const host = this.o.hosts[this.next % this.o.hosts.length];
    const o = this.o;
    const tls = this.tls();
    // SNI takes names only (Node warns on an address)
    const socketOptions: Record<string, unknown> = isIP(host) ? {} : { servername: host };
    if (tls) {
      if (o.caFile) socketOptions.ca = [readFileSync(o.caFile)];
      if (o.certFile) socketOptions.cert = readFileSync(o.certFile);
      if (o.keyFile) socketOptions.key = readFileSync(o.keyFile);
      socketOptions.rejectUnauthorized = o.peerVerify;
    }
    if (o.authMethod === 'external') socketOptions.credentials = amqp.credentials.external();
    let conn: amqp.ChannelModel | undefined;
    try {
      conn = await amqp.connect(
        {
          protocol: tls ? 'amqps' : 'amqp',
          hostname: host,
          port: o.port,
          vhost: o.vhost,
          username: o.username ?? '',
          password: o.password ?? '',
          frameMax: o.frameSize,
          channelMax: o.maxChannel,
          heartbeat: o.heartbeat,
        },
        socketOptions,
      );
      const ch = await conn.createConfirmChannel();
      if (o.exchangeDeclare) await ch.assertExchange(o.exchange, o.exchangeType, { durable: true });
      if (this.closing) {
        await conn.close().catch(() => {});
        return;
      }
      const c = conn;
      // 'close' follows an error and says what to do; the broker's reason (e.g. 404 NOT_FOUND for a
      // missing exchange) is kept for the log line, or the user would only read "channel closed"
      let reason: string | undefined;
      c.on('error', (e: Error) => (reason ??= e.message));
      ch.on('error', (e: Error) => (reason ??= e.message));
      const down = (why: string) => {
        if (this.conn !== c) return;
        this.conn = undefined;
        this.ch = undefined;
        this.current = undefined;
        if (!this.closing) internalLog('error', 'AMQP connection lost; unconfirmed messages are published again after reconnecting', { driver: o.name, host, reason: why });
        this.onDown();
        c.close().catch(() => {});
        this.retry();
      };
      c.on('close', (err?: Error) => down(reason ?? err?.message ?? 'connection closed'));
      ch.on('close', () => down(reason ?? 'channel closed'));
      this.conn = c;
      this.ch = ch;
      this.current = host;
      this.connects++;
      internalLog('info', 'AMQP connection established', { driver: o.name, host, port: o.port, vhost: o.vhost, exchange: o.exchange });
      this.onUp();
    } catch (err) {
      conn?.close().catch(() => {});
      this.failures++;
      internalLog('error', 'Error connecting to AMQP server', { driver: o.name, host, port: o.port, error: (err as Error).message, time_reopen: o.timeReopenMs / 1000 });
      this.retry();
    }
  }

  /** the next attempt goes to the next server (failover), after time-reopen() */
  private retry(): void {
    if (this.closing || this.timer) return;
    if (this.o.hosts.length > 1) this.next = (this.next + 1) % this.o.hosts.length;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.connect();
    }, this.o.timeReopenMs);
  }

  /** publishes one message; false: the socket's buffer is full (wait for drain()) */
  publish(routingKey: string, body: Buffer, headers: Record<string, string> | undefined, persistent: boolean, cb: ConfirmCb): boolean {
    return this.ch!.publish(this.o.exchange, routingKey, body, { persistent, contentType: 'text/plain', headers }, cb);
  }

  /** resolves when the channel can take more (or has closed) */
  drained(): Promise<void> {
    const ch = this.ch;
    if (!ch) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        ch.off('drain', done);
        ch.off('close', done);
        resolve();
      };
      ch.once('drain', done);
      ch.once('close', done);
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    const c = this.conn;
    this.conn = undefined;
    this.ch = undefined;
    await c?.close().catch(() => {});
  }
}
