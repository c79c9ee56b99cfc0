/**
 * What the transport layer reports: each happening one event (core/telemetry.ts),
 * so its log line and its counter come from one call. Labels hold only what
 * the config bounds (a source's name, a configured server); peers go to tags.
 */
import type { Tags } from '../core/internal-log.ts';
import { defineEvent } from '../core/telemetry.ts';

/** a listener-side happening: `group` is the source's name, the counter label */
interface ListenerFields {
  group: string;
  fd?: number;
  client: string;
  local: string;
}

export const connectionAccepted = defineEvent<ListenerFields>({
  name: 'connection_accepted',
  level: 'verbose',
  text: 'Syslog connection accepted',
  counter: 'transport_accepted_connections_total',
  labels: ({ group }) => ({ group }),
  tags: ({ fd, client, local }) => ({ fd, client, local }),
});

export const connectionRejected = defineEvent<ListenerFields & { location?: string; max: number }>({
  name: 'connection_rejected',
  level: 'error',
  text: 'Number of allowed concurrent connections reached, rejecting connection',
  counter: 'transport_rejected_connections_total',
  labels: ({ group }) => ({ group }),
  tags: ({ client, local, group, location, max }) => ({ client, local, group_name: group || undefined, location, max }),
});

export const tlsOnPlainPort = defineEvent<ListenerFields & { offered?: string; location?: string }>({
  name: 'tls_on_plain_port',
  level: 'error',
  text: 'a TLS client connected to a plain-TCP port; use transport(tls)',
  counter: 'transport_tls_on_plain_total',
  labels: ({ group }) => ({ group }),
  tags: ({ client, local, offered, location }) => ({
    client,
    local,
    offered,
    location,
    fix: 'give this source transport("tls") and a tls() block, or make the sender use plain TCP',
  }),
});

/** a connector-side failure: `server` is the configured host (the label), `tags` the line's details */
interface ConnectFields {
  server: string;
  tags: Tags;
}

export const connectFailed = defineEvent<ConnectFields>({
  name: 'connect_failed',
  level: 'error',
  text: 'Syslog connection failed',
  counter: 'transport_connect_failures_total',
  labels: ({ server }) => ({ server }),
  tags: ({ tags }) => tags,
});

export const resolveFailed = defineEvent<ConnectFields>({
  name: 'resolve_failed',
  level: 'error',
  text: 'Error resolving hostname',
  counter: 'transport_resolve_failures_total',
  labels: ({ server }) => ({ server }),
  tags: ({ tags }) => tags,
});

export const connectionEstablished = defineEvent<ConnectFields>({
  name: 'connection_established',
  level: 'notice',
  text: 'Syslog connection established',
  counter: 'transport_established_connections_total',
  labels: ({ server }) => ({ server }),
  tags: ({ tags }) => tags,
});
