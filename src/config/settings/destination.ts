/** Settings of destination drivers: file(), stdout(), network()/syslog() (and tcp()/udp()). */
import type { TlsOptions } from '../../tls/types.ts';
import type { TemplateSpec } from '../plan.ts';
import type { TransportFacts } from '../transports.ts';
import type { TsFormat } from '../../message/timefmt.ts';
import type { FieldTable, SettingsHeader } from './fields.ts';

/** formatting and queueing every destination has */
export interface WriterSettings {
  /** flags(): canonical words */
  flags: readonly string[];
  /**
   * template() (template-escape() applied), else the template named by
   * options {} file-template() / proto-template() where the driver uses one;
   * unset: the driver's built-in format
   */
  template: TemplateSpec | undefined;
  tsFormat: TsFormat;
  fracDigits: number;
  /** unset: each message's own zone */
  timeZone: string | undefined;
  logFifoSize: number;
  flushLines: number;
  /** messages per second; 0 = unlimited */
  throttle: number;
  /** unset: no cut */
  truncateSize: number | undefined;
  /** seconds before a failed write or connection is tried again */
  timeReopen: number;
}

export const WRITER_FIELDS: FieldTable<WriterSettings> = {
  flags: { row: 'flags' },
  template: { row: 'template', by: 'options {} file-template() / proto-template() when not written' },
  tsFormat: { row: 'ts-format' },
  fracDigits: { row: 'frac-digits' },
  timeZone: { row: 'time-zone' },
  logFifoSize: { row: 'log-fifo-size' },
  flushLines: { row: 'flush-lines' },
  throttle: { row: 'throttle' },
  truncateSize: { row: 'truncate-size' },
  timeReopen: { global: 'time-reopen' },
};

/** how file() destinations create files and directories (also options {} defaults) */
export interface FileCreationSettings {
  createDirs: boolean;
  perm: number;
  dirPerm: number;
  /** unset: left as the process creates it */
  owner: string | undefined;
  group: string | undefined;
  dirOwner: string | undefined;
  dirGroup: string | undefined;
}

export const FILE_CREATION_FIELDS: FieldTable<FileCreationSettings> = {
  createDirs: { row: 'create-dirs' },
  perm: { row: 'perm' },
  dirPerm: { row: 'dir-perm' },
  owner: { row: 'owner' },
  group: { row: 'group' },
  dirOwner: { row: 'dir-owner' },
  dirGroup: { row: 'dir-group' },
};

export interface FileDestinationSettings extends SettingsHeader<'file-destination'>, WriterSettings, FileCreationSettings {
  /** the file name template */
  path: string;
  /** unset: the local zone, for file-name templates */
  localTimeZone: string | undefined;
  /** seconds idle before the file is closed */
  timeReap: number;
  fsync: boolean;
}

export const FILE_DESTINATION_FIELDS: FieldTable<FileDestinationSettings> = {
  ...WRITER_FIELDS,
  path: { positional: 0 },
  ...FILE_CREATION_FIELDS,
  localTimeZone: { row: 'local-time-zone' },
  timeReap: { row: 'time-reap' },
  fsync: { row: 'fsync' },
};

export interface StdoutSettings extends SettingsHeader<'stdout'>, WriterSettings {}

export const STDOUT_FIELDS: FieldTable<StdoutSettings> = WRITER_FIELDS;

export interface FailbackSettings {
  /** seconds between probes of the primary */
  tcpProbeInterval: number;
  successfulProbesRequired: number;
}

export const FAILBACK_FIELDS: FieldTable<FailbackSettings> = {
  tcpProbeInterval: { row: 'tcp-probe-interval' },
  successfulProbesRequired: { row: 'successful-probes-required' },
};

export interface FailoverSettings {
  servers: readonly string[];
  /** unset: stay on a failover server until it fails */
  failback: FailbackSettings | undefined;
}

export const FAILOVER_FIELDS: FieldTable<FailoverSettings> = {
  servers: { row: 'servers' },
  failback: { row: 'failback' },
};

/** disk-buffer() (schema/disk-buffer.ts; docs/disk-buffer.md) */
export interface DiskBufferSettings {
  reliable: boolean;
  /** bytes the buffer's files may take (at least 1MiB: compile raised a smaller one) */
  diskBufSize: number;
  /** bytes the sender holds read and not yet acknowledged */
  memBufSize: number;
  /** dir(): the directory holding the buffer's directory; unset: the persist file's */
  dir: string | undefined;
  /** resend window of the plain link: seconds the connection must stay up after a record */
  resendWindowTime: number;
  /** ... or bytes written after it (0 = time only) */
  resendWindowBytes: number;
}

export const DISK_BUFFER_FIELDS: FieldTable<DiskBufferSettings> = {
  reliable: { row: 'reliable' },
  diskBufSize: { row: 'disk-buf-size' },
  memBufSize: { row: 'mem-buf-size' },
  dir: { row: 'dir' },
  resendWindowTime: { row: 'resend-window-time' },
  resendWindowBytes: { row: 'resend-window-bytes' },
};

export interface NetworkDestinationSettings extends SettingsHeader<'network-destination'>, WriterSettings {
  host: string;
  transport: TransportFacts;
  port: number;
  ipProtocol: 4 | 6;
  /** unset: the kernel picks the source address */
  localip: string | undefined;
  /** 0 = ephemeral */
  localport: number;
  /** unset: no TLS */
  tls: TlsOptions | undefined;
  /** unset: only the primary server */
  failover: FailoverSettings | undefined;
  closeOnInput: boolean;
  /** seconds; 0 = a connection lives until it breaks (logferry extension) */
  maxConnectionLifetime: number;
  soKeepalive: boolean;
  tcpKeepaliveTime: number;
  /** bytes; 0 = the kernel default (datagram transports only) */
  soSndbuf: number;
  soBroadcast: boolean;
  /** 0 = the system default (datagram transports only) */
  ipTtl: number;
  /** unset: the memory queue only */
  diskBuffer: DiskBufferSettings | undefined;
}

export const NETWORK_DESTINATION_FIELDS: FieldTable<NetworkDestinationSettings> = {
  ...WRITER_FIELDS,
  truncateSize: { row: 'truncate-size', by: 'the transport table maxPayload of datagram transports' },
  timeReopen: { row: 'time-reopen' },
  host: { positional: 0 },
  transport: { row: 'transport', by: 'the transport table row (fixed by tcp()/udp() names)' },
  port: { row: 'port', by: 'the transport table port of the driver' },
  ipProtocol: { row: 'ip-protocol' },
  localip: { row: 'localip' },
  localport: { row: 'localport' },
  tls: { row: 'tls' },
  failover: { row: 'failover' },
  closeOnInput: { row: 'close-on-input' },
  maxConnectionLifetime: { row: 'max-connection-lifetime' },
  soKeepalive: { row: 'so-keepalive' },
  tcpKeepaliveTime: { row: 'tcp-keepalive-time' },
  soSndbuf: { row: 'so-sndbuf' },
  soBroadcast: { row: 'so-broadcast' },
  ipTtl: { row: 'ip-ttl' },
  diskBuffer: { row: 'disk-buffer' },
};

/** value-pairs() of amqp(): the headers */
export interface AmqpValuePairsSettings {
  /** unset: AxoSyslog's default (selected-macros nv-pairs sdata) */
  scope: readonly string[] | undefined;
  key: readonly string[];
  exclude: readonly string[];
}

/** amqp() has body() instead of template() and no flags() */
export interface AmqpDestinationSettings extends SettingsHeader<'amqp-destination'>, Omit<WriterSettings, 'template' | 'flags'> {
  host: string;
  /** failover(servers()): more brokers after host(), tried in turn; unset: host() only */
  failover: readonly string[] | undefined;
  port: number;
  vhost: string;
  exchange: string;
  exchangeDeclare: boolean;
  exchangeType: string;
  /** a template */
  routingKey: string;
  /** unset: empty bodies (AxoSyslog's default) */
  body: TemplateSpec | undefined;
  persistent: boolean;
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
  /** unset: AxoSyslog's default selection */
  valuePairs: AmqpValuePairsSettings | undefined;
  /** unset: the memory queue only */
  diskBuffer: DiskBufferSettings | undefined;
}

export const AMQP_VALUE_PAIRS_FIELDS: FieldTable<AmqpValuePairsSettings> = {
  scope: { row: 'scope' },
  key: { row: 'key' },
  exclude: { row: 'exclude' },
};

const { template: _t, flags: _f, ...AMQP_WRITER_FIELDS } = WRITER_FIELDS;

export const AMQP_DESTINATION_FIELDS: FieldTable<AmqpDestinationSettings> = {
  ...AMQP_WRITER_FIELDS,
  timeReopen: { row: 'time-reopen' },
  host: { row: 'host' },
  failover: { row: 'failover' },
  port: { row: 'port' },
  vhost: { row: 'vhost' },
  exchange: { row: 'exchange' },
  exchangeDeclare: { row: 'exchange-declare' },
  exchangeType: { row: 'exchange-type' },
  routingKey: { row: 'routing-key' },
  body: { row: 'body' },
  persistent: { row: 'persistent' },
  username: { row: 'username' },
  password: { row: 'password' },
  authMethod: { row: 'auth-method' },
  maxChannel: { row: 'max-channel' },
  frameSize: { row: 'frame-size' },
  heartbeat: { row: 'heartbeat' },
  caFile: { row: 'ca-file' },
  certFile: { row: 'cert-file' },
  keyFile: { row: 'key-file' },
  peerVerify: { row: 'peer-verify' },
  valuePairs: { row: 'value-pairs' },
  diskBuffer: { row: 'disk-buffer' },
};
