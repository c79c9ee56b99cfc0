/**
 * What the transport layer reports: each happening one event (core/telemetry.ts),
 * so its log line and its counter come from one call. Labels hold only what
 * the config bounds (a source's name, a configured server); peers go to tags.
 */
import type { InternalLevel, Tags } from '../core/internal-log.ts';
import { defineEvent, type EventKind } from '../core/telemetry.ts';

/** a listener-side happening: `group` is the source's name, the counter label */
interface ListenerFields {
  group: string;
  fd?: number;
  client: string;
  local: string;
}

export const connectionAccepted = defineEvent<ListenerFields & { proxied?: string }>({
  name: 'connection_accepted',
  level: 'verbose',
  text: 'Syslog connection accepted',
  counter: 'transport_accepted_connections_total',
  labels: ({ group }) => ({ group }),
  // proxied: the client a PROXY header named (client is then the balancer)
  tags: ({ fd, client, local, proxied }) => ({ fd, client, local, proxied }),
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

/** a connector-side happening: `server` is the configured host (the label), `tags` the line's details */
interface ConnectFields {
  server: string;
  tags: Tags;
}

/** the connector's events differ only in their words: the same label and pre-built tags */
function connectorEvent(name: string, level: InternalLevel, text: string, counter: string): EventKind<ConnectFields> {
  return defineEvent<ConnectFields>({ name, level, text, counter, labels: ({ server }) => ({ server }), tags: ({ tags }) => tags });
}

export const connectFailed = connectorEvent('connect_failed', 'error', 'Syslog connection failed', 'transport_connect_failures_total');
export const resolveFailed = connectorEvent('resolve_failed', 'error', 'Error resolving hostname', 'transport_resolve_failures_total');
export const connectionEstablished = connectorEvent('connection_established', 'notice', 'Syslog connection established', 'transport_established_connections_total');
export const connectionRetired = connectorEvent(
  'connection_retired',
  'notice',
  'Syslog connection reached max-connection-lifetime(); closing it cleanly and reconnecting',
  'transport_retired_connections_total',
);

/**
 * Datagrams the kernel dropped for a UDP source's socket (receive buffer full),
 * read from the kernel's per-socket count once per interval (udp-drops.ts).
 * The counter's name is AxoSyslog's for the same count.
 */
export const udpReceiveDropped = defineEvent<{ group: string; local: string; dropped: number; total: number }>({
  name: 'udp_receive_dropped',
  level: 'warning',
  text: 'The kernel dropped datagrams, the receive buffer was full; raise so-rcvbuf()',
  counter: 'socket_receive_dropped_packets_total',
  labels: ({ group }) => ({ group }),
  amount: ({ dropped }) => dropped,
  tags: ({ group, local, dropped, total }) => ({ group_name: group, local, dropped, dropped_total: total }),
});

/**
 * A proxied source (transport(proxied-*)) closed a connection whose PROXY header was missing,
 * malformed, truncated or late: a sender that bypasses the balancer, or a balancer not configured
 * to send the header. `client` is the TCP peer (the balancer, or whoever connected).
 */
export const proxyHeaderRefused = defineEvent<ListenerFields & { reason: string; location?: string }>({
  name: 'proxy_header_refused',
  level: 'error',
  text: 'Connection closed: no valid PROXY protocol header; send through the load balancer with the PROXY protocol (v1 or v2) turned on',
  counter: 'transport_proxy_refused_total',
  labels: ({ group }) => ({ group }),
  tags: ({ client, local, reason, location }) => ({ client, local, reason, location }),
});

/**
 * A PROXY header with command LOCAL (v2) or without the client's address (v1 UNKNOWN, v2
 * AF_UNSPEC): a balancer's health check. AxoSyslog closes such a connection quietly; so does logferry.
 */
export const proxyHealthCheck = defineEvent<ListenerFields & { version: number; command: string }>({
  name: 'proxy_health_check',
  level: 'debug',
  text: 'PROXY header without a client address (LOCAL or UNKNOWN), a health check: its connection is closed, its datagram dropped',
  counter: 'transport_proxy_health_checks_total',
  labels: ({ group }) => ({ group }),
  tags: ({ client, local, version, command }) => ({ client, local, version, command }),
});

/**
 * transport(proxied-udp): a datagram without a valid PROXY v2 header in front of its payload was
 * dropped (AxoSyslog 4.27 reads v2 only in datagrams). Lines are rate-limited by internal-log.
 */
export const proxyDatagramRefused = defineEvent<ListenerFields & { reason: string; location?: string }>({
  name: 'proxy_datagram_refused',
  level: 'error',
  text: 'Datagram dropped: no valid PROXY protocol v2 header; send through the load balancer with PROXY protocol v2 turned on',
  counter: 'transport_proxy_datagrams_refused_total',
  labels: ({ group }) => ({ group }),
  tags: ({ client, local, reason, location }) => ({ client, local, reason, location }),
});
