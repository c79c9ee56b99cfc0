/**
 * unix-stream() and unix-dgram() sources: a socket file local programs
 * write to (syslog(3) through /dev/log, `logger -u`). Messages are local, as
 * in syslog-ng: ${HOST} is this host unless keep-hostname() keeps the one
 * written, ${SOURCEIP} is 127.0.0.1 (no IP sender), ${TRANSPORT} names the driver.
 */
import { createRequire } from 'node:module';
import net from 'node:net';
import type { UnixDgramSettings, UnixStreamSettings } from '../config/settings/index.ts';
import { LocatedError, formatLocation } from '../core/location.ts';
import { internalLog } from '../core/internal-log.ts';
import { resolveId } from '../core/account-ids.ts';
import type { Route, SourceDriver } from '../pipeline/types.ts';
import { decodeDatagram } from '../syslog/framing/datagram.ts';
import { ParseFlag } from '../syslog/parse.ts';
import { converterFor, hostRulesFor, parseOptionsFor, pidOverrideFor, tagsFor, type SourceEnv } from './common.ts';
import { StreamReader, buildMessage, localizedHostRules, type ReaderOptions } from './reader.ts';
import { prepareSocketPath, removeSocketFile, settleSocketFile, type SocketFileOptions } from './socket-file.ts';

type UnixSettings = UnixStreamSettings | UnixDgramSettings;

/** the sender of every message from a local socket: syslog-ng gives such messages the local host and 127.0.0.1 */
function localSender(env: SourceEnv) {
  return { ip: '127.0.0.1', resolvedName: env.hostname };
}

function socketFile(s: UnixSettings): SocketFileOptions {
  const uid = resolveId('user', s.owner);
  if (uid === null) throw new LocatedError(`Error resolving user; user='${s.owner}' in owner(): no such user on this host`, s.where.owner ?? s.loc);
  const gid = resolveId('group', s.group);
  if (gid === null) throw new LocatedError(`Error resolving group; group='${s.group}' in group(): no such group on this host`, s.where.group ?? s.loc);
  return { path: s.path, perm: s.perm, uid, gid, createDirs: s.createDirs, driver: s.kind };
}

function readerBase(s: UnixSettings, env: SourceEnv, name: string, window: number): Omit<ReaderOptions, 'sourceName' | 'values' | 'sender' | 'framing'> {
  const parse = parseOptionsFor(s, env);
  return {
    maxMsgSize: s.logMsgSize,
    trimLargeMessages: false,
    emptyLines: (parse.flags & ParseFlag.EMPTY_LINES) !== 0,
    parse,
    hostRules: hostRulesFor(s, name),
    window,
    fetchLimit: s.logFetchLimit,
    tags: tagsFor(s, name),
    local: true,
    congestion: env.congestion,
    convert: converterFor(s),
    pidOverride: pidOverrideFor(s, env),
  };
}

async function openFile(f: SocketFileOptions, s: UnixSettings): Promise<void> {
  const why = await prepareSocketPath(f);
  if (why) throw new LocatedError(why, s.loc);
}

/** The DgramSocket class of node-unix-socket, loaded only when a unix-dgram() socket is opened. */
export function loadDgramSocket(): typeof import('node-unix-socket').DgramSocket {
  try {
    return createRequire(import.meta.url)('node-unix-socket').DgramSocket;
  } catch (err) {
    throw new Error(`unix-dgram() needs the node-unix-socket package with a prebuilt binary for ${process.platform}-${process.arch}, which cannot be loaded (${(err as Error).message.split('\n')[0]}); run npm ci on this platform`);
  }
}

export function createUnixDgramSource(s: UnixDgramSettings, env: SourceEnv, name: string): SourceDriver {
  const f = socketFile(s);
  const base = readerBase(s, env, name, s.logIwSize);
  const values: Array<[string, string]> = [['TRANSPORT', 'unix-dgram']];
  let sock: import('node-unix-socket').DgramSocket | undefined;
  let receivedBytes = 0;
  return {
    name,
    effective: { ...f, soRcvbuf: s.soRcvbuf, framing: 'datagram', recipe: { ...base, sourceName: name, sender: localSender(env), values } },
    async start(route: Route) {
      if (env.dryRun) return;
      const DgramSocket = loadDgramSocket();
      await openFile(f, s);
      const recipe = { ...base, sourceName: name };
      const hostRules = localizedHostRules(recipe);
      const sender = localSender(env);
      const d = new DgramSocket();
      try {
        if (s.soRcvbuf > 0) d.setRecvBufferSize(s.soRcvbuf);
        d.bind(s.path);
      } catch (err) {
        // a socket whose bind failed still holds the event loop open
        d.close();
        throw new LocatedError(`Cannot bind the unix-dgram() socket ${s.path}: ${(err as Error).message}`, s.loc);
      }
      sock = d;
      settleSocketFile(f);
      d.on('error', (err: Error) => internalLog('error', 'Error reading a unix-dgram() socket', { path: s.path, error: err.message }));
      d.on('data', (buf: Buffer) => {
        receivedBytes += buf.length;
        // one message per datagram, as syslog-ng's dgram transport
        decodeDatagram(buf, { maxMsgSize: base.maxMsgSize }, (fb, st, e) => route(buildMessage(recipe, hostRules, fb, st, e, values, sender)));
      });
    },
    async stop() {
      if (!sock) return;
      sock.close();
      sock = undefined;
      removeSocketFile(s.path);
    },
    receivedBytes: () => receivedBytes,
  };
}

export function createUnixStreamSource(s: UnixStreamSettings, env: SourceEnv, name: string): SourceDriver {
  const f = socketFile(s);
  const window = Math.max(Math.floor(s.logIwSize / s.maxConnections), 1);
  const base = readerBase(s, env, name, window);
  const values: Array<[string, string]> = [['TRANSPORT', 'unix-stream']];
  let server: net.Server | undefined;
  const conns = new Set<net.Socket>();
  const readers = new Set<StreamReader>();
  let receivedBytes = 0;
  return {
    name,
    effective: { ...f, maxConnections: s.maxConnections, listenBacklog: s.listenBacklog, framing: 'newline', recipe: { ...base, sourceName: name, sender: localSender(env), values } },
    async start(route: Route) {
      if (env.dryRun) return;
      await openFile(f, s);
      const srv = net.createServer((c) => {
        if (conns.size >= s.maxConnections) {
          internalLog('error', 'Number of allowed concurrent connections reached, rejecting connection', { client: 'AF_UNIX(anonymous)', local: `AF_UNIX(${s.path})`, group_name: name, location: formatLocation(s.loc), max: s.maxConnections });
          c.destroy();
          return;
        }
        conns.add(c);
        // syslog-ng's unix-stream transport: newline-separated lines (the text protocol)
        const reader = new StreamReader({ ...base, framing: 'newline', sourceName: name, values, sender: localSender(env) }, route, {
          pause: () => c.pause(),
          resume: () => c.resume(),
          abort: () => c.destroy(),
          ended: () => readers.delete(reader),
        });
        readers.add(reader);
        c.on('data', (chunk: Buffer) => {
          receivedBytes += chunk.length;
          if (!reader.push(chunk)) c.destroy();
        });
        c.on('error', () => {});
        c.on('close', () => {
          conns.delete(c);
          if (server) reader.end();
        });
      });
      await new Promise<void>((resolve, reject) => {
        srv.once('error', (err) => reject(new LocatedError(`Cannot listen on the unix-stream() socket ${s.path}: ${err.message}`, s.loc)));
        srv.listen({ path: s.path, backlog: s.listenBacklog }, () => resolve());
      });
      server = srv;
      settleSocketFile(f);
    },
    async stop() {
      const srv = server;
      if (!srv) return;
      server = undefined;
      const closed = new Promise<void>((r) => srv.close(() => r()));
      for (const c of conns) c.destroy();
      await closed;
      for (const r of readers) r.flush();
      readers.clear();
      removeSocketFile(s.path);
    },
    openConnections: () => conns.size,
    receivedBytes: () => receivedBytes,
  };
}
