/**
 * The control socket, in syslog-ng-ctl's line protocol (so `syslog-ng-ctl
 * reload -c PATH` works against logferry): a request is one line ending in
 * "\n", whose first word names the command; the answer starts with "OK " or
 * "FAIL " and ends with a line holding only ".". A connection may send one
 * command after another. The commands are a table (ControlCommands) that the
 * daemon fills; a word not in it gets a FAIL answer naming the ones there are.
 *
 * The socket is unix-domain, mode 0600 (the commands change what the daemon
 * does), and removed when the daemon stops. A socket file left behind by a
 * daemon that died is replaced; one that a live process answers on is not.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

export interface ControlReply {
  ok: boolean;
  /** one or more lines, without the closing "." */
  text: string;
  /** sent without "OK "/"FAIL " (syslog-ng answers STATS and QUERY with the bare data) */
  raw?: boolean;
  /** runs once the answer is written (STOP: the daemon stops after saying so) */
  after?: () => void;
}

/** a command's handler gets the rest of the line after its name */
export type ControlCommand = (args: string) => Promise<ControlReply> | ControlReply;
export type ControlCommands = ReadonlyMap<string, ControlCommand>;

/**
 * Where the control socket goes without -c: beside the other state, as syslog-ng puts
 * syslog-ng.ctl into its local state directory. Only used when that directory exists
 * (a package creates it; an unprivileged user running logferry from a checkout has none).
 */
export const DEFAULT_CONTROL_SOCKET = '/var/lib/logferry/logferry.ctl';

/** a request line longer than this is not a command: the connection is closed */
const MAX_LINE = 64 * 1024;

export class ControlSocketError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ControlSocketError';
  }
}

/** the wire form of one answer */
export function frameReply(r: ControlReply): string {
  const body = r.raw ? r.text : `${r.ok ? 'OK' : 'FAIL'} ${r.text}`;
  return (body.endsWith('\n') ? body : body + '\n') + '.\n';
}

function unknown(word: string, commands: ControlCommands): ControlReply {
  const known = [...commands.keys()].join(', ');
  return { ok: false, text: word === '' ? `Empty command; this logferry answers: ${known}` : `Unknown command '${word}'; this logferry answers: ${known}` };
}

/** true when a process accepts connections on the socket at `p` */
function answers(p: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(p);
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

export class ControlSocket {
  readonly path: string;
  private readonly server: net.Server;
  private readonly clients = new Set<net.Socket>();

  private constructor(p: string, server: net.Server) {
    this.path = p;
    this.server = server;
  }

  static async open(p: string, commands: ControlCommands): Promise<ControlSocket> {
    const abs = path.resolve(p);
    let st: fs.Stats | undefined;
    try {
      st = fs.lstatSync(abs);
    } catch {
      st = undefined;
    }
    if (st) {
      if (!st.isSocket()) throw new ControlSocketError(`the control socket path ${abs} exists and is not a socket; remove it or give another path with -c`);
      if (await answers(abs)) throw new ControlSocketError(`another process answers on the control socket ${abs} (is logferry already running?); stop it or give another path with -c`);
      fs.unlinkSync(abs);
    }
    const server = net.createServer();
    const self = new ControlSocket(abs, server);
    server.on('connection', (c) => self.serve(c, commands));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => reject(new ControlSocketError(`cannot open the control socket ${abs}: ${err.code ?? err.message}`)));
      // bound with mode 0600 from the start: no moment in which others could connect
      const mask = process.umask(0o177);
      try {
        server.listen(abs, () => resolve());
      } finally {
        process.umask(mask);
      }
    });
    fs.chmodSync(abs, 0o600);
    return self;
  }

  private serve(c: net.Socket, commands: ControlCommands): void {
    this.clients.add(c);
    c.on('close', () => this.clients.delete(c));
    c.on('error', () => c.destroy());
    let buf = '';
    // one command at a time per connection, answers in order
    let busy: Promise<void> = Promise.resolve();
    c.setEncoding('utf8');
    c.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).replace(/\r$/, '');
        buf = buf.slice(nl + 1);
        busy = busy
          .then(() => this.run(line, commands))
          .then((r) => {
            if (c.writable) c.write(frameReply(r), () => r.after?.());
            else r.after?.();
          });
      }
      if (buf.length > MAX_LINE) {
        c.end(frameReply({ ok: false, text: `Request longer than ${MAX_LINE} bytes without a newline; closing the control connection` }));
        buf = '';
      }
    });
  }

  private async run(line: string, commands: ControlCommands): Promise<ControlReply> {
    const trimmed = line.trim();
    const sp = trimmed.indexOf(' ');
    const word = sp < 0 ? trimmed : trimmed.slice(0, sp);
    const cmd = commands.get(word.toUpperCase());
    if (!cmd) return unknown(word, commands);
    try {
      return await cmd(sp < 0 ? '' : trimmed.slice(sp + 1));
    } catch (err) {
      return { ok: false, text: (err as Error).message };
    }
  }

  /** stops answering and removes the socket file */
  async close(): Promise<void> {
    for (const c of this.clients) c.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    try {
      fs.unlinkSync(this.path);
    } catch {
      /* already removed with the listening socket */
    }
  }
}
