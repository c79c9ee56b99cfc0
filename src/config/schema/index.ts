/**
 * Every option schema, by driver. Exported so the CLI can print option help
 * from the same tables that drive parsing.
 */
import type { OptionSchema, Side } from './types.ts';
import { networkSchema, syslogSchema, legacyInetSchema, failoverSchema, failbackSchema } from './network.ts';
import { fileSchema, stdinSchema, stdoutSchema, internalSchema } from './file.ts';
import { tlsSchema, cipherSuiteSchema } from './tls.ts';
import { globalSchema, statsSchema } from './global.ts';
import { diskBufferSchema } from './disk-buffer.ts';
import { unixStreamSchema, unixDgramSchema, systemSchema } from './unix.ts';
import { amqpSchema, amqpFailoverSchema, amqpValuePairsSchema } from './amqp.ts';

export * from './types.ts';
export { networkSchema, syslogSchema, legacyInetSchema, failoverSchema, failbackSchema } from './network.ts';
export { fileSchema, stdinSchema, stdoutSchema, internalSchema } from './file.ts';
export { tlsSchema, cipherSuiteSchema, PEER_VERIFY_VALUES, SSL_OPTIONS_VALUES, SSL_VERSION_VALUES, OPENSSL_CONF_COMMANDS, OPENSSL_CONF_OPTION_WORDS } from './tls.ts';
export { globalSchema, statsSchema } from './global.ts';
export { diskBufferSchema } from './disk-buffer.ts';
export { unixStreamSchema, unixDgramSchema, systemSchema } from './unix.ts';
export { amqpSchema, amqpFailoverSchema, amqpValuePairsSchema } from './amqp.ts';
export { SOURCE_FLAGS, DESTINATION_FLAGS } from './common.ts';

export interface DriverInfo {
  /** the name the Plan uses (legacy inet drivers become `network`) */
  canonical: string;
  schema: OptionSchema;
  sides: readonly Side[];
  /** fixed transport / ip-protocol of tcp(), tcp6(), udp(), udp6() */
  fixed?: { transport: 'tcp' | 'udp'; ipProtocol: 4 | 6 };
}

export const DRIVERS: Readonly<Record<string, DriverInfo>> = {
  network: { canonical: 'network', schema: networkSchema, sides: ['source', 'destination'] },
  syslog: { canonical: 'syslog', schema: syslogSchema, sides: ['source', 'destination'] },
  tcp: { canonical: 'network', schema: legacyInetSchema, sides: ['source', 'destination'], fixed: { transport: 'tcp', ipProtocol: 4 } },
  tcp6: { canonical: 'network', schema: legacyInetSchema, sides: ['source', 'destination'], fixed: { transport: 'tcp', ipProtocol: 6 } },
  udp: { canonical: 'network', schema: legacyInetSchema, sides: ['source', 'destination'], fixed: { transport: 'udp', ipProtocol: 4 } },
  udp6: { canonical: 'network', schema: legacyInetSchema, sides: ['source', 'destination'], fixed: { transport: 'udp', ipProtocol: 6 } },
  file: { canonical: 'file', schema: fileSchema, sides: ['source', 'destination'] },
  stdin: { canonical: 'stdin', schema: stdinSchema, sides: ['source'] },
  stdout: { canonical: 'stdout', schema: stdoutSchema, sides: ['destination'] },
  internal: { canonical: 'internal', schema: internalSchema, sides: ['source'] },
  'unix-stream': { canonical: 'unix-stream', schema: unixStreamSchema, sides: ['source'] },
  'unix-dgram': { canonical: 'unix-dgram', schema: unixDgramSchema, sides: ['source'] },
  system: { canonical: 'system', schema: systemSchema, sides: ['source'] },
  amqp: { canonical: 'amqp', schema: amqpSchema, sides: ['destination'] },
};

/** syslog-ng drivers logferry knows of but does not implement (a clear error, not "unknown"). */
export const UNIMPLEMENTED_DRIVERS: readonly string[] = [
  'program', 'pipe', 'systemd-journal', 'systemd-syslog', 'sun-streams',
  'usertty', 'wildcard-file', 'default-network-drivers', 'http', 'sql', 'mongodb', 'smtp', 'kafka',
  'kafka-c', 'redis', 'riemann', 'elasticsearch-http', 'elasticsearch2', 'loggly', 'loggen', 'python',
  'java', 'snmp', 'snmptrap', 'mqtt', 'opentelemetry', 'syslog-ng-otlp', 'grpc', 'example-diskq-source',
  'example-random-generator', 'linux-audit', 'osquery', 'nodejs', 'apache-accesslog', 'stomp',
];

/** All schemas, for documentation output. */
export const ALL_SCHEMAS: readonly OptionSchema[] = [
  globalSchema, statsSchema, networkSchema, syslogSchema, legacyInetSchema, failoverSchema, failbackSchema, diskBufferSchema,
  tlsSchema, cipherSuiteSchema, fileSchema, stdinSchema, stdoutSchema, internalSchema, amqpSchema, amqpFailoverSchema, amqpValuePairsSchema,
  unixStreamSchema, unixDgramSchema, systemSchema,
];
