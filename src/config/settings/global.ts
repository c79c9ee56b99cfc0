/** `options {}` as typed settings: what the daemon and the pipeline read of it. */
import type { TsFormat } from '../../message/timefmt.ts';
import type { FieldTable } from './fields.ts';
import { FILE_CREATION_FIELDS, type FileCreationSettings } from './destination.ts';

export interface GlobalSettings extends FileCreationSettings {
  logFlowControl: boolean;
  logFifoSize: number;
  logMsgSize: number;
  trimLargeMessages: boolean;
  minIwSizePerReader: number;
  timeReopen: number;
  timeReap: number;
  flushLines: number;
  keepHostname: boolean;
  chainHostnames: boolean;
  useDns: 'yes' | 'no' | 'persist-only';
  useFqdn: boolean;
  dnsCache: boolean;
  dnsCacheSize: number;
  dnsCacheExpire: number;
  dnsCacheExpireFailed: number;
  /** unset: no hosts file is preloaded */
  dnsCacheHosts: string | undefined;
  normalizeHostnames: boolean;
  checkHostname: boolean;
  checkProgram: boolean;
  /** unset: every word may be a host name */
  badHostname: string | undefined;
  keepTimestamp: boolean;
  tsFormat: TsFormat;
  fracDigits: number;
  /** unset: the local zone */
  recvTimeZone: string | undefined;
  /** unset: each message's own zone */
  sendTimeZone: string | undefined;
  /** unset: the local zone */
  localTimeZone: string | undefined;
  /** unset: file-like destinations use the built-in format */
  fileTemplate: string | undefined;
  /** unset: network() destinations use the built-in format */
  protoTemplate: string | undefined;
  /** unset: no /metrics endpoint (logferry extension) */
  metricsListen: string | undefined;
  /** days ahead of a certificate's or CRL's expiry to warn; 0: never (logferry extension) */
  tlsExpiryWarningDays: number;
  /** stats() */
  stats: StatsSettings;
}

/** what logferry reads of `options { stats() }` (the rest tunes syslog-ng's counter store: warned, no effect) */
export interface StatsSettings {
  /** seconds between "Log statistics" internal() messages; 0: none */
  freq: number;
}

export const STATS_FIELDS: FieldTable<StatsSettings> = {
  freq: { row: 'freq' },
};

export const GLOBAL_FIELDS: FieldTable<GlobalSettings> = {
  logFlowControl: { row: 'log-flow-control' },
  logFifoSize: { row: 'log-fifo-size' },
  logMsgSize: { row: 'log-msg-size' },
  trimLargeMessages: { row: 'trim-large-messages' },
  minIwSizePerReader: { row: 'min-iw-size-per-reader' },
  timeReopen: { row: 'time-reopen' },
  timeReap: { row: 'time-reap' },
  flushLines: { row: 'flush-lines' },
  keepHostname: { row: 'keep-hostname' },
  chainHostnames: { row: 'chain-hostnames' },
  useDns: { row: 'use-dns' },
  useFqdn: { row: 'use-fqdn' },
  dnsCache: { row: 'dns-cache' },
  dnsCacheSize: { row: 'dns-cache-size' },
  dnsCacheExpire: { row: 'dns-cache-expire' },
  dnsCacheExpireFailed: { row: 'dns-cache-expire-failed' },
  dnsCacheHosts: { row: 'dns-cache-hosts' },
  normalizeHostnames: { row: 'normalize-hostnames' },
  checkHostname: { row: 'check-hostname' },
  checkProgram: { row: 'check-program' },
  badHostname: { row: 'bad-hostname' },
  keepTimestamp: { row: 'keep-timestamp' },
  tsFormat: { row: 'ts-format' },
  fracDigits: { row: 'frac-digits' },
  recvTimeZone: { row: 'recv-time-zone' },
  sendTimeZone: { row: 'send-time-zone' },
  localTimeZone: { row: 'local-time-zone' },
  fileTemplate: { row: 'file-template' },
  protoTemplate: { row: 'proto-template' },
  metricsListen: { row: 'metrics-listen' },
  tlsExpiryWarningDays: { row: 'tls-expiry-warning-days' },
  stats: { row: 'stats' },
  ...FILE_CREATION_FIELDS,
};
