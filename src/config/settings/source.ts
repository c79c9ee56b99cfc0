/** Settings of source drivers: file(), stdin(), network()/syslog() (and tcp()/udp()), internal(). */
import type { TlsOptions } from '../../tls/types.ts';
import type { TransportFacts } from '../transports.ts';
import type { FieldTable, SettingsHeader } from './fields.ts';

/** what every source that reads and parses bytes has (drivers.md §6–8) */
export interface ReaderSettings {
  /** flags(): canonical words */
  flags: readonly string[];
  logIwSize: number;
  logFetchLimit: number;
  logMsgSize: number;
  keepHostname: boolean;
  chainHostnames: boolean;
  useDns: 'yes' | 'no' | 'persist-only';
  useFqdn: boolean;
  dnsCache: boolean;
  normalizeHostnames: boolean;
  checkHostname: boolean;
  checkProgram: boolean;
  keepTimestamp: boolean;
  /** unset: received timestamps without a zone are read in the local zone */
  timeZone: string | undefined;
  /** when not written: `user`, or `kern` with flags(kernel) */
  defaultFacility: string;
  defaultSeverity: string;
  /** unset: ${PROGRAM} as parsed */
  programOverride: string | undefined;
  /** unset: ${HOST} as the host rules make it */
  hostOverride: string | undefined;
  tags: readonly string[];
  useSyslogngPid: boolean;
  /** unset: the input is taken as UTF-8 */
  encoding: string | undefined;
  sdataPrefix: string;
  /** options {} bad-hostname(); unset: every word may be a host name */
  badHostname: string | undefined;
}

export const READER_FIELDS: FieldTable<ReaderSettings> = {
  flags: { row: 'flags' },
  logIwSize: { row: 'log-iw-size' },
  logFetchLimit: { row: 'log-fetch-limit' },
  logMsgSize: { row: 'log-msg-size' },
  keepHostname: { row: 'keep-hostname' },
  chainHostnames: { row: 'chain-hostnames' },
  useDns: { row: 'use-dns' },
  useFqdn: { row: 'use-fqdn' },
  dnsCache: { row: 'dns-cache' },
  normalizeHostnames: { row: 'normalize-hostnames' },
  checkHostname: { row: 'check-hostname' },
  checkProgram: { row: 'check-program' },
  keepTimestamp: { row: 'keep-timestamp' },
  timeZone: { row: 'time-zone' },
  defaultFacility: { row: 'default-facility', by: 'kern when not written and flags(kernel) is' },
  defaultSeverity: { row: 'default-severity' },
  programOverride: { row: 'program-override' },
  hostOverride: { row: 'host-override' },
  tags: { row: 'tags' },
  useSyslogngPid: { row: 'use-syslogng-pid' },
  encoding: { row: 'encoding' },
  sdataPrefix: { row: 'sdata-prefix' },
  badHostname: { global: 'bad-hostname' },
};

export interface FileSourceSettings extends SettingsHeader<'file-source'>, ReaderSettings {
  path: string;
  /** seconds; 0 = read once */
  followFreq: number;
  /** options {} time-reopen(): seconds before a vanished file is opened again */
  timeReopen: number;
}

export const FILE_SOURCE_FIELDS: FieldTable<FileSourceSettings> = {
  ...READER_FIELDS,
  path: { positional: 0 },
  followFreq: { row: 'follow-freq' },
  timeReopen: { global: 'time-reopen' },
};

export interface StdinSettings extends SettingsHeader<'stdin'>, ReaderSettings {}

export const STDIN_FIELDS: FieldTable<StdinSettings> = READER_FIELDS;

export interface NetworkSourceSettings extends SettingsHeader<'network-source'>, ReaderSettings {
  transport: TransportFacts;
  ip: string;
  port: number;
  ipProtocol: 4 | 6;
  /** unset: no TLS (the transport allows or forbids it) */
  tls: TlsOptions | undefined;
  maxConnections: number;
  listenBacklog: number;
  /** seconds; 0 = never */
  idleTimeout: number;
  soReuseport: boolean;
  soKeepalive: boolean;
  tcpKeepaliveTime: number;
  /** bytes; 0 = the kernel default */
  soRcvbuf: number;
  trimLargeMessages: boolean;
  minIwSizePerReader: number;
  dnsCacheHosts: string | undefined;
  dnsCacheSize: number;
  dnsCacheExpire: number;
  dnsCacheExpireFailed: number;
}

export const NETWORK_SOURCE_FIELDS: FieldTable<NetworkSourceSettings> = {
  ...READER_FIELDS,
  logIwSize: { row: 'log-iw-size', by: 'stream 1000, datagram 100' },
  transport: { row: 'transport', by: 'the transport table row (fixed by tcp()/udp() names)' },
  ip: { row: 'ip', by: '0.0.0.0, or :: with ip-protocol(6)' },
  port: { row: 'port', by: 'the transport table port of the driver' },
  ipProtocol: { row: 'ip-protocol' },
  tls: { row: 'tls' },
  maxConnections: { row: 'max-connections' },
  listenBacklog: { row: 'listen-backlog' },
  idleTimeout: { row: 'idle-timeout' },
  soReuseport: { row: 'so-reuseport' },
  soKeepalive: { row: 'so-keepalive' },
  tcpKeepaliveTime: { row: 'tcp-keepalive-time' },
  soRcvbuf: { row: 'so-rcvbuf' },
  trimLargeMessages: { row: 'trim-large-messages' },
  minIwSizePerReader: { global: 'min-iw-size-per-reader' },
  dnsCacheHosts: { global: 'dns-cache-hosts' },
  dnsCacheSize: { global: 'dns-cache-size' },
  dnsCacheExpire: { global: 'dns-cache-expire' },
  dnsCacheExpireFailed: { global: 'dns-cache-expire-failed' },
};

export interface InternalSettings extends SettingsHeader<'internal'> {
  tags: readonly string[];
  programOverride: string | undefined;
  hostOverride: string | undefined;
}

export const INTERNAL_FIELDS: FieldTable<InternalSettings> = {
  tags: { row: 'tags' },
  programOverride: { row: 'program-override' },
  hostOverride: { row: 'host-override' },
};

/** what unix-stream() and unix-dgram() share (schema/unix.ts) */
interface UnixSocketFields extends ReaderSettings {
  path: string;
  perm: number;
  /** unset: leave the owner alone */
  owner: string | undefined;
  group: string | undefined;
  createDirs: boolean;
  /** bytes; 0 = the kernel default (unix-dgram() only) */
  soRcvbuf: number;
}

const UNIX_SOCKET_FIELDS: FieldTable<UnixSocketFields> = {
  ...READER_FIELDS,
  path: { positional: 0 },
  perm: { row: 'perm' },
  owner: { row: 'owner' },
  group: { row: 'group' },
  createDirs: { row: 'create-dirs' },
  soRcvbuf: { row: 'so-rcvbuf' },
};

export interface UnixDgramSettings extends SettingsHeader<'unix-dgram'>, UnixSocketFields {}

export const UNIX_DGRAM_FIELDS: FieldTable<UnixDgramSettings> = UNIX_SOCKET_FIELDS;

export interface UnixStreamSettings extends SettingsHeader<'unix-stream'>, UnixSocketFields {
  maxConnections: number;
  listenBacklog: number;
}

export const UNIX_STREAM_FIELDS: FieldTable<UnixStreamSettings> = {
  ...UNIX_SOCKET_FIELDS,
  maxConnections: { row: 'max-connections' },
  listenBacklog: { row: 'listen-backlog' },
};

/**
 * system(): no options of its own. What it expands to is decided on the host
 * at start (sources/system.ts); the unix-dgram("/dev/log") it may become is
 * compiled with the config, so it inherits options {} like a written one.
 */
export interface SystemSourceSettings extends SettingsHeader<'system'> {
  devlog: UnixDgramSettings;
}

/** no row of its own: `devlog` is built by compile (settings/build.ts) */
export const SYSTEM_SOURCE_FIELDS: FieldTable<SettingsHeader<'system'>> = {};
