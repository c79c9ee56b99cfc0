/**
 * The typed settings of one `logferry send` run and the defaults a syslog
 * user expects (syslog()'s: RFC 5424, octet counting over TCP and TLS). The
 * command line (cli/send.ts) fills a RawSendOptions; resolveSendOptions()
 * checks the combinations once, so the runner never sees an invalid mix.
 */

export type SendTransport = 'tls' | 'tcp' | 'udp';
export type SendFraming = 'octet' | 'newline';
export type SendFormat = '5424' | '3164';

/** What the command line said; undefined = not given. */
export interface RawSendOptions {
  host?: string;
  port?: string;
  transport?: string;
  framing?: string;
  format?: string;
  caFile?: string;
  caDir?: string;
  cert?: string;
  key?: string;
  count?: string;
  duration?: string;
  rate?: string;
  connections?: string;
  size?: string;
  fromFile?: string;
  json?: boolean;
  help?: boolean;
}

export interface SendOptions {
  host: string;
  port: number;
  transport: SendTransport;
  /** stream transports only; a UDP datagram is its own frame */
  framing: SendFraming | undefined;
  format: SendFormat;
  caFile?: string;
  caDir?: string;
  cert?: string;
  key?: string;
  /** messages to send; undefined with --duration, or with --from-file and no --count (the whole input) */
  count: number | undefined;
  /** seconds */
  durationS: number | undefined;
  /** messages per second over all connections; undefined = as fast as the peer takes them */
  rate: number | undefined;
  connections: number;
  /** total frame size in bytes (padding added to MSG); undefined = no padding */
  size: number | undefined;
  /** a path, or '-' for stdin */
  fromFile: string | undefined;
  json: boolean;
}

/** Thrown for a usage error: the CLI prints it with a pointer to --help and exits 2. */
export class SendUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SendUsageError';
  }
}

/** largest payload of one IPv4 UDP datagram */
export const MAX_DATAGRAM = 65507;
/** the octet-counting MSG-LEN cap syslog-ng uses (7 digits) */
export const MAX_FRAME = 9_999_999 + 8;
export const MAX_CONNECTIONS = 1000;

function positiveInt(flag: string, v: string, max: number): number {
  if (!/^\d+$/.test(v)) throw new SendUsageError(`${flag} expects a whole number, got '${v}'`);
  const n = Number(v);
  if (n < 1 || n > max) throw new SendUsageError(`${flag} must be between 1 and ${max}, got ${v}`);
  return n;
}

function positiveNumber(flag: string, v: string): number {
  const n = /^\d+(\.\d+)?$/.test(v) ? Number(v) : NaN;
  if (!(n > 0) || !Number.isFinite(n)) throw new SendUsageError(`${flag} expects a number above 0, got '${v}'`);
  return n;
}

function oneOf<T extends string>(flag: string, v: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(v)) return v as T;
  throw new SendUsageError(`${flag} must be one of ${allowed.join(', ')}, got '${v}'`);
}

export function resolveSendOptions(r: RawSendOptions): SendOptions {
  if (r.host === undefined || r.port === undefined) throw new SendUsageError('send needs HOST and PORT, e.g. logferry send 127.0.0.1 6514 --ca-file ca.pem');
  if (r.host === '') throw new SendUsageError('HOST is empty');
  const port = /^\d+$/.test(r.port) ? Number(r.port) : NaN;
  if (!(port >= 1 && port <= 65535)) throw new SendUsageError(`PORT must be a number from 1 to 65535, got '${r.port}'`);
  const transport = oneOf<SendTransport>('--transport', r.transport ?? 'tls', ['tls', 'tcp', 'udp']);
  const format = oneOf<SendFormat>('--format', r.format ?? '5424', ['5424', '3164']);
  let framing: SendFraming | undefined;
  if (transport === 'udp') {
    if (r.framing !== undefined) throw new SendUsageError('--framing applies to tcp and tls only: over udp every datagram is one message');
  } else {
    // syslog() semantics for RFC 5424, network() semantics for the legacy format
    framing = oneOf<SendFraming>('--framing', r.framing ?? (format === '5424' ? 'octet' : 'newline'), ['octet', 'newline']);
  }
  if (r.caFile !== undefined && r.caDir !== undefined) throw new SendUsageError('give either --ca-file or --ca-dir, not both');
  if ((r.cert === undefined) !== (r.key === undefined)) throw new SendUsageError('--cert and --key go together: the certificate and its private key');
  const tlsFlags = ['caFile', 'caDir', 'cert', 'key'] as const;
  if (transport !== 'tls') {
    const given = tlsFlags.filter((k) => r[k] !== undefined);
    if (given.length > 0) throw new SendUsageError(`--ca-file, --ca-dir, --cert and --key apply to --transport tls only (this run uses ${transport})`);
  } else if (r.caFile === undefined && r.caDir === undefined) {
    throw new SendUsageError("--transport tls needs --ca-file or --ca-dir: the server's certificate is verified against them");
  }
  if (r.count !== undefined && r.duration !== undefined) throw new SendUsageError('give either --count or --duration, not both');
  const count = r.count !== undefined ? positiveInt('--count', r.count, Number.MAX_SAFE_INTEGER) : r.duration === undefined && r.fromFile === undefined ? 1 : undefined;
  const durationS = r.duration !== undefined ? positiveNumber('--duration', r.duration) : undefined;
  const rate = r.rate !== undefined ? positiveNumber('--rate', r.rate) : undefined;
  const connections = r.connections !== undefined ? positiveInt('--connections', r.connections, MAX_CONNECTIONS) : 1;
  const size = r.size !== undefined ? positiveInt('--size', r.size, transport === 'udp' ? MAX_DATAGRAM : MAX_FRAME) : undefined;
  if (r.fromFile === '') throw new SendUsageError("--from-file needs a file name, or '-' for standard input");
  return {
    host: r.host,
    port,
    transport,
    framing,
    format,
    caFile: r.caFile,
    caDir: r.caDir,
    cert: r.cert,
    key: r.key,
    count,
    durationS,
    rate,
    connections,
    size,
    fromFile: r.fromFile,
    json: r.json ?? false,
  };
}
