/**
 * `amqp()` destination: AxoSyslog 4.27's modules/afamqp options and defaults
 * (one host(); logferry adds failover(servers()) as network() has), plus the
 * writer rows every destination has and disk-buffer().
 */
import type { OptionSchema } from './types.ts';
import { destinationFormatRows } from './common.ts';
import { diskBufferSchema } from './disk-buffer.ts';

const DST = ['destination'] as const;

/** value-pairs() inside amqp(): which name-value pairs become message headers */
export const amqpValuePairsSchema: OptionSchema = {
  name: 'value-pairs()',
  rows: [
    { name: 'scope', type: { kind: 'string-list' }, doc: 'groups of values to include (nv-pairs, rfc3164, rfc5424, selected-macros, all-macros, sdata, everything, …); default: selected-macros nv-pairs sdata' },
    { name: 'key', type: { kind: 'string-list' }, default: [], doc: 'names (globs) to include besides the scopes' },
    { name: 'exclude', type: { kind: 'string-list' }, default: [], doc: 'names (globs) to leave out' },
  ],
};

/** amqp()'s failover(): only servers() (no failback probe: a broker connection is retried in turn) */
export const amqpFailoverSchema: OptionSchema = {
  name: 'amqp() failover()',
  rows: [{ name: 'servers', type: { kind: 'string-list' }, default: [], doc: 'more brokers, tried in turn after host() whenever the connection to the one in use fails' }],
};

export const amqpSchema: OptionSchema = {
  name: 'amqp()',
  rows: [
    { name: 'host', type: { kind: 'string' }, default: '127.0.0.1', sides: DST, doc: 'the broker to connect to' },
    { name: 'port', type: { kind: 'port' }, default: 5672, sides: DST, doc: 'the broker port (5671 is the usual AMQPS port)' },
    { name: 'vhost', type: { kind: 'string' }, default: '/', sides: DST, doc: 'the virtual host' },
    { name: 'exchange', type: { kind: 'string' }, default: 'syslog', sides: DST, doc: 'the exchange messages are published to' },
    { name: 'exchange-declare', type: { kind: 'yesno' }, default: false, sides: DST, doc: 'declare the exchange (durable, of exchange-type()) after connecting' },
    { name: 'exchange-type', type: { kind: 'string' }, default: 'fanout', sides: DST, doc: 'type of a declared exchange (fanout, direct, topic, headers)' },
    { name: 'routing-key', type: { kind: 'string' }, default: '', sides: DST, doc: 'routing key of each message (a template: ${…} allowed)' },
    { name: 'body', type: { kind: 'template' }, sides: DST, doc: 'message body (template text or the name of a template statement); default: empty, the values travel in the headers' },
    { name: 'persistent', type: { kind: 'yesno' }, default: true, sides: DST, doc: 'publish with delivery mode 2 (kept on disk by the broker in durable queues)' },
    { name: 'username', type: { kind: 'string' }, sides: DST, doc: 'user name for auth-method(plain) (required with it)' },
    { name: 'password', type: { kind: 'string' }, sides: DST, doc: 'password for auth-method(plain) (required with it)' },
    { name: 'auth-method', type: { kind: 'enum', values: ['plain', 'external'], fold: true, error: 'unknown auth-method() argument' }, default: 'plain', sides: DST, doc: 'SASL mechanism: plain (username() and password()) or external (the client certificate, TLS only)' },
    { name: 'max-channel', type: { kind: 'positive-int' }, default: 2047, sides: DST, doc: 'most channels offered to the broker in the connection tuning' },
    { name: 'frame-size', type: { kind: 'positive-int' }, default: 131072, sides: DST, doc: 'largest frame offered to the broker in bytes' },
    { name: 'heartbeat', type: { kind: 'non-negative-int' }, default: 0, sides: DST, doc: 'heartbeat interval in seconds offered to the broker (0 = none)' },
    { name: 'ca-file', type: { kind: 'existing-file' }, sides: DST, doc: 'CA certificate(s) verifying the broker; setting ca-file(), cert-file() or key-file() turns TLS on' },
    { name: 'cert-file', type: { kind: 'existing-file' }, sides: DST, doc: 'client certificate (TLS)' },
    { name: 'key-file', type: { kind: 'existing-file' }, sides: DST, doc: "client certificate's private key (TLS)" },
    { name: 'peer-verify', type: { kind: 'yesno' }, default: true, sides: DST, doc: "verify the broker's certificate and host name (TLS)" },
    { name: 'value-pairs', type: { kind: 'block', schema: () => amqpValuePairsSchema }, sides: DST, doc: 'which values become message headers (scope(), key(), exclude()); default: selected-macros, nv-pairs and sdata' },
    { name: 'failover', type: { kind: 'block', schema: () => amqpFailoverSchema }, sides: DST, doc: 'logferry extension: servers() tried in turn after host() when the connection fails' },
    { name: 'disk-buffer', type: { kind: 'block', schema: () => diskBufferSchema }, sides: DST, doc: 'keep messages in a crash-safe buffer on disk; a record leaves it only once the broker confirmed it (docs/amqp.md)' },
    { name: 'time-reopen', type: { kind: 'positive-int' }, inherit: 'time-reopen', sides: DST, doc: 'seconds before a failed connection is tried again (on the next server of failover())' },
    ...destinationFormatRows.filter((r) => r.name !== 'template').map((r) => ({ ...r, sides: DST })),
  ],
};
