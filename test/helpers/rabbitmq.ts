/**
 * A private RabbitMQ node for a test (Debian rabbitmq-server, scripts/install-rabbitmq.sh).
 * Everything it touches is its own: loopback AMQP and distribution ports the kernel picked,
 * its own epmd on its own port (started here, so it is stopped here by PID), node name, Erlang
 * cookie, data directory and config in a temp dir. The node is the `erl` process itself
 * (RABBITMQ_ALLOW_INPUT makes the start script exec it), so stopping it by PID stops the broker.
 * restart() keeps the data directory: durable queues and persistent messages survive it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { freePort } from './ports.ts';
import { isCi } from './peers.ts';

const SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';
const EPMD_CANDIDATES = ['/usr/bin/epmd', '/usr/lib/erlang/bin/epmd'];
/** a cold start takes a few seconds on this machine; a loaded CI box may need more */
const START_TIMEOUT_MS = 60_000;

export function rabbitmqMissing(): string | undefined {
  if (!existsSync(SERVER)) return `RabbitMQ is not installed (${SERVER} missing): run  sudo bash scripts/install-rabbitmq.sh`;
  return undefined;
}

/** as for the other peers: a missing broker fails, unless a developer outside CI set LOGFERRY_SKIP_INTEROP=1 */
export function rabbitmqSkip(env: NodeJS.ProcessEnv = process.env): string | false {
  if (env.LOGFERRY_SKIP_INTEROP !== '1' || isCi(env)) return false;
  return existsSync(SERVER) ? false : 'LOGFERRY_SKIP_INTEROP=1 and rabbitmq-server not installed';
}

function waitExit(p: ChildProcess, timeoutMs: number): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      p.kill('SIGKILL');
    }, timeoutMs);
    p.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

export class RabbitNode {
  readonly dir: string;
  readonly port: number;
  readonly url: string;
  /** ms the last start took, from spawn to "Server startup complete" */
  startMs = 0;
  private readonly distPort: number;
  private readonly epmdPort: number;
  private readonly nodeName: string;
  private broker: ChildProcess | undefined;
  private epmd: ChildProcess | undefined;
  private log = '';

  /** the loopback address it listens on */
  readonly ip: string;

  private constructor(dir: string, ip: string, port: number, distPort: number, epmdPort: number) {
    this.dir = dir;
    this.ip = ip;
    this.port = port;
    this.distPort = distPort;
    this.epmdPort = epmdPort;
    this.nodeName = `lf${randomBytes(4).toString('hex')}@localhost`;
    this.url = `amqp://guest:guest@${ip}:${port}`;
  }

  /** `ip`: another loopback address (127.0.0.2) lets two nodes share one port, as failover(servers()) needs */
  /** the AMQPS port when create() was given `tls` */
  tlsPort = 0;

  /** `tls`: also listen for AMQP over TLS (tlsPort), requiring a client certificate from `ca` */
  static async create(o: { ip?: string; port?: number; tls?: { ca: string; cert: string; key: string } } = {}): Promise<RabbitNode> {
    const dir = mkdtempSync(join(tmpdir(), 'lf-rabbit-'));
    const n = new RabbitNode(dir, o.ip ?? '127.0.0.1', o.port ?? (await freePort()), await freePort(), await freePort());
    const tlsLines: string[] = [];
    if (o.tls) {
      n.tlsPort = await freePort();
      tlsLines.push(
        `listeners.ssl.1 = ${n.ip}:${n.tlsPort}`,
        `ssl_options.cacertfile = ${o.tls.ca}`,
        `ssl_options.certfile = ${o.tls.cert}`,
        `ssl_options.keyfile = ${o.tls.key}`,
        'ssl_options.verify = verify_peer',
        'ssl_options.fail_if_no_peer_cert = true',
      );
    }
    writeFileSync(join(dir, '.erlang.cookie'), randomBytes(16).toString('hex').toUpperCase(), { mode: 0o400 });
    writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
    writeFileSync(
      join(dir, 'rabbitmq.conf'),
      [
        `listeners.tcp.1 = ${n.ip}:${n.port}`,
        // a test box's disk may be fuller than the 50 MB default allows
        'disk_free_limit.absolute = 1MB',
        ...tlsLines,
        '',
      ].join('\n'),
    );
    return n;
  }

  private env(): NodeJS.ProcessEnv {
    return {
      PATH: process.env.PATH,
      HOME: this.dir,
      LANG: 'C.UTF-8',
      ERL_EPMD_PORT: String(this.epmdPort),
      ERL_EPMD_ADDRESS: '127.0.0.1',
      RABBITMQ_NODENAME: this.nodeName,
      RABBITMQ_NODE_IP_ADDRESS: this.ip,
      RABBITMQ_NODE_PORT: String(this.port),
      RABBITMQ_DIST_PORT: String(this.distPort),
      RABBITMQ_MNESIA_BASE: join(this.dir, 'mnesia'),
      RABBITMQ_LOG_BASE: join(this.dir, 'log'),
      RABBITMQ_LOGS: '-',
      RABBITMQ_CONFIG_FILE: join(this.dir, 'rabbitmq.conf'),
      RABBITMQ_ADVANCED_CONFIG_FILE: join(this.dir, 'advanced.config'),
      RABBITMQ_ENABLED_PLUGINS_FILE: join(this.dir, 'enabled_plugins'),
      RABBITMQ_PID_FILE: join(this.dir, 'rabbit.pid'),
      RABBITMQ_ALLOW_INPUT: '1',
    };
  }

  private async startEpmd(): Promise<void> {
    if (this.epmd && this.epmd.exitCode === null) return;
    const bin = EPMD_CANDIDATES.find((p) => existsSync(p)) ?? 'epmd';
    // in the foreground (no -daemon): it stays our child, stopped by its PID
    const p = spawn(bin, ['-port', String(this.epmdPort), '-address', '127.0.0.1'], { env: this.env(), stdio: 'ignore' });
    this.epmd = p;
    await new Promise<void>((resolve, reject) => {
      p.once('spawn', () => resolve());
      p.once('error', reject);
    });
  }

  /** starts the broker; resolves once it accepts AMQP connections */
  async start(): Promise<void> {
    await this.startEpmd();
    const t0 = performance.now();
    this.log = '';
    const p = spawn(SERVER, [], { env: this.env(), stdio: ['pipe', 'pipe', 'pipe'] });
    this.broker = p;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error(`RabbitMQ did not start within ${START_TIMEOUT_MS} ms:\n${this.log.slice(-3000)}`)), START_TIMEOUT_MS);
      const fail = (e: Error) => {
        clearTimeout(timer);
        reject(e);
      };
      const onData = (b: Buffer) => {
        this.log += b.toString();
        if (this.log.length > 200_000) this.log = this.log.slice(-100_000);
        if (/Server startup complete/.test(this.log)) {
          clearTimeout(timer);
          p.stdout!.off('data', onData);
          // keep draining so a full pipe never blocks the broker
          p.stdout!.resume();
          resolve();
        }
      };
      p.stdout!.on('data', onData);
      p.stderr!.on('data', (b: Buffer) => (this.log += b.toString()));
      p.once('exit', (code, sig) => fail(new Error(`RabbitMQ exited during start (${code ?? sig}):\n${this.log.slice(-3000)}`)));
    });
    this.startMs = Math.round(performance.now() - t0);
  }

  /** stops the broker by PID: SIGTERM is Erlang's orderly shutdown; SIGKILL after 20 s */
  async stopBroker(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const p = this.broker;
    this.broker = undefined;
    if (!p) return;
    p.kill(signal);
    await waitExit(p, 20_000);
  }

  async restart(): Promise<void> {
    await this.stopBroker();
    await this.start();
  }

  /** stops the broker and this node's epmd, removes the temp dir */
  async close(): Promise<void> {
    await this.stopBroker();
    const e = this.epmd;
    this.epmd = undefined;
    if (e) {
      e.kill('SIGTERM');
      await waitExit(e, 5000);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
