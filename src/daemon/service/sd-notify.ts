/**
 * systemd's notification protocol (sd_notify(3)) without libsystemd: one
 * datagram of `KEY=VALUE` lines to the AF_UNIX SOCK_DGRAM socket named by
 * NOTIFY_SOCKET. Node's dgram has no unix sockets, so the datagram goes out
 * through node-unix-socket (the module the unix-dgram() source uses), loaded
 * only when NOTIFY_SOCKET is set.
 *
 * Abstract names (`@name`) are refused with one line: the module passes the
 * whole sun_path length to sendto(), so `@name` would reach `name` padded
 * with NULs, a different socket than the one systemd bound (measured).
 */
import { createRequire } from 'node:module';

/** the part of node-unix-socket's DgramSocket used here */
export interface DatagramSender {
  sendTo(buf: Buffer, offset: number, length: number, path: string, cb?: (err?: Error) => void): void;
  close(): void;
}

export type SenderFactory = () => DatagramSender;

export class NotifySocketError extends Error {}

/** Loads node-unix-socket lazily: a daemon without NOTIFY_SOCKET never loads the native module. */
export function unixDatagramSender(): DatagramSender {
  const require = createRequire(import.meta.url);
  let mod: { DgramSocket: new () => DatagramSender };
  try {
    mod = require('node-unix-socket');
  } catch (err) {
    throw new NotifySocketError(
      `NOTIFY_SOCKET is set but the node-unix-socket module does not load (${(err as Error).message.split('\n')[0]}): run 'npm install' in logferry's directory, or use Type=simple in the unit`,
    );
  }
  return new mod.DgramSocket();
}

export interface NotifierOptions {
  env?: NodeJS.ProcessEnv;
  sender?: SenderFactory;
  /** a send that failed (the socket went away): reported by the caller, once */
  onError?: (message: string) => void;
}

/**
 * Reads NOTIFY_SOCKET and WATCHDOG_USEC/WATCHDOG_PID once and takes them out
 * of the environment (as sd_notify's unset_environment), so that programs the
 * daemon starts do not notify in its name. Undefined when NOTIFY_SOCKET is
 * unset: not run by systemd (or by a test standing in for it).
 */
export class SystemdNotifier {
  readonly path: string;
  /** the watchdog interval systemd asked for (µs), when it asked this process */
  readonly watchdogUsec: number | undefined;
  private sender: DatagramSender | undefined;
  private readonly makeSender: SenderFactory;
  private readonly onError: (message: string) => void;
  private watchdog: NodeJS.Timeout | undefined;
  private failed = false;
  /** datagrams handed to the sender whose callback has not run yet */
  private pending = 0;
  private closing = false;
  /** watchdog pings sent: a count for tests and STATUS */
  pings = 0;

  private constructor(path: string, watchdogUsec: number | undefined, o: NotifierOptions) {
    this.path = path;
    this.watchdogUsec = watchdogUsec;
    this.makeSender = o.sender ?? unixDatagramSender;
    this.onError = o.onError ?? (() => {});
  }

  static fromEnv(o: NotifierOptions = {}): SystemdNotifier | undefined {
    const env = o.env ?? process.env;
    const socket = env.NOTIFY_SOCKET;
    const usec = Number(env.WATCHDOG_USEC);
    const forPid = env.WATCHDOG_PID === undefined || Number(env.WATCHDOG_PID) === process.pid;
    delete env.NOTIFY_SOCKET;
    delete env.WATCHDOG_USEC;
    delete env.WATCHDOG_PID;
    if (!socket) return undefined;
    if (socket.startsWith('@')) {
      throw new NotifySocketError(
        `NOTIFY_SOCKET names the abstract socket '${socket}', which logferry cannot send to (node-unix-socket pads abstract addresses): give systemd's default path socket (/run/systemd/notify), or use Type=simple`,
      );
    }
    if (!socket.startsWith('/')) throw new NotifySocketError(`NOTIFY_SOCKET '${socket}' is neither an absolute path nor an abstract '@' name: unset it or give the socket's path`);
    const watchdog = Number.isFinite(usec) && usec > 0 && forPid ? usec : undefined;
    return new SystemdNotifier(socket, watchdog, o);
  }

  /** Loads the module and makes the socket now, so a missing module ends the start instead of a timeout in systemd. */
  open(): void {
    this.sender ??= this.makeSender();
  }

  /** Sends one notification (KEY=VALUE lines); never throws: systemd going away must not stop logging. */
  send(fields: Record<string, string | number>): void {
    const text = Object.entries(fields)
      .map(([k, v]) => `${k}=${String(v).replace(/\n/g, ' ')}`)
      .join('\n');
    const buf = Buffer.from(text);
    if (this.closing) return;
    try {
      this.sender ??= this.makeSender();
      this.pending++;
      this.sender.sendTo(buf, 0, buf.length, this.path, (err) => {
        this.pending--;
        if (err) this.report(err.message);
        if (this.closing && this.pending === 0) this.closeSender();
      });
    } catch (err) {
      this.pending = Math.max(0, this.pending - 1);
      this.report((err as Error).message);
    }
  }

  private report(message: string): void {
    if (this.failed) return;
    this.failed = true;
    this.onError(`systemd notification to ${this.path} failed: ${message}`);
  }

  ready(status: string): void {
    this.send({ READY: 1, STATUS: status, MAINPID: process.pid });
  }

  status(status: string): void {
    this.send({ STATUS: status });
  }

  /** RELOADING=1 with the monotonic time systemd wants for Type=notify-reload */
  reloading(): void {
    this.send({ RELOADING: 1, STATUS: 'Reloading configuration', MONOTONIC_USEC: String(process.hrtime.bigint() / 1000n) });
  }

  stopping(): void {
    this.send({ STOPPING: 1, STATUS: 'Shutting down' });
  }

  /** WATCHDOG=1 every WATCHDOG_USEC/2 (sd_watchdog_enabled's advice), from the main loop: a stuck loop stops the pings */
  startWatchdog(): void {
    if (this.watchdogUsec === undefined || this.watchdog) return;
    const everyMs = Math.max(1, Math.floor(this.watchdogUsec / 2000));
    this.watchdog = setInterval(() => {
      this.pings++;
      this.send({ WATCHDOG: 1 });
    }, everyMs);
    this.watchdog.unref();
  }

  close(): void {
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = undefined;
    this.closing = true;
    // after the last datagram went out: closing at once could drop a queued STOPPING=1
    if (this.pending === 0) this.closeSender();
  }

  private closeSender(): void {
    const s = this.sender;
    this.sender = undefined;
    s?.close();
  }
}
