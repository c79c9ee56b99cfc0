/** Destination drivers from compiled declarations. */
import type { DestinationDecl, DriverDecl } from '../config/plan.ts';
import { optBool, optNumber, optString } from '../config/plan-access.ts';
import { LocatedError } from '../core/location.ts';
import type { LogMessage } from '../message/log-message.ts';
import { createFormatter } from '../syslog/format/create.ts';
import type { DestinationDriver } from '../pipeline/types.ts';
import { byteExact, compileSpec, outputSettings, zoneOption, type DriverEnv } from './common.ts';
import { FileDestination } from './file.ts';
import { resolveId } from './ids.ts';
import { StdoutDestination } from './stdout.ts';
import { createNetworkDestination } from './network.ts';

export type { DriverEnv } from './common.ts';

function queued(d: DriverDecl, env: DriverEnv, name: string) {
  return {
    name,
    congestion: env.congestion,
    fifoSize: optNumber(d.options, 'log-fifo-size') ?? optNumber(env.globals, 'log-fifo-size') ?? 10000,
    flushLines: optNumber(d.options, 'flush-lines') ?? optNumber(env.globals, 'flush-lines') ?? 100,
    timeReopenMs: (optNumber(d.options, 'time-reopen') ?? optNumber(env.globals, 'time-reopen') ?? 60) * 1000,
    throttle: optNumber(d.options, 'throttle') ?? 0,
  };
}

/** owner() & co. as a numeric id; an unknown name is a configuration error (before any file is made) */
function idOption(b: DriverDecl['options'], name: string, kind: 'user' | 'group'): number | undefined {
  const id = resolveId(kind, optString(b, name));
  if (id === null) throw new LocatedError(`Error resolving ${kind}; ${kind}='${optString(b, name)}' in ${name}(): no such ${kind} on this host`, b.locs[name] ?? b.loc);
  return id;
}

function createFile(d: DriverDecl, env: DriverEnv, name: string): DestinationDriver {
  const b = d.options;
  const out = outputSettings(d, env, 'file-template');
  const formatter = createFormatter('file', out.format);
  const pathText = d.positional[0];
  let fileName: (m: LogMessage) => string;
  if (pathText.includes('$')) {
    const t = compileSpec({ kind: 'template', text: pathText, escape: false, loc: d.loc });
    const opts = { ...out.templateOptions, timeZone: zoneOption(b, 'local-time-zone') };
    fileName = (m) => t(m, opts);
  } else fileName = () => pathText;
  return new FileDestination({
    ...queued(d, env, name),
    fileName,
    format: byteExact((m) => formatter.format(m)),
    createDirs: optBool(b, 'create-dirs') ?? false,
    perm: optNumber(b, 'perm') ?? 0o600,
    dirPerm: optNumber(b, 'dir-perm') ?? 0o700,
    uid: idOption(b, 'owner', 'user'),
    gid: idOption(b, 'group', 'group'),
    dirUid: idOption(b, 'dir-owner', 'user'),
    dirGid: idOption(b, 'dir-group', 'group'),
    timeReapMs: (optNumber(b, 'time-reap') ?? 60) * 1000,
    fsync: (optBool(b, 'fsync') ?? false) || out.flags.includes('fsync'),
  });
}

function createStdout(d: DriverDecl, env: DriverEnv, name: string): DestinationDriver {
  const out = outputSettings(d, env, 'file-template');
  const formatter = createFormatter('file', out.format);
  return new StdoutDestination({ ...queued(d, env, name), format: byteExact((m) => formatter.format(m)) });
}

export function createDestinationDrivers(decl: DestinationDecl, env: DriverEnv): DestinationDriver[] {
  return decl.drivers.map((d, i) => {
    const name = decl.drivers.length > 1 ? `${decl.name}#${i}` : decl.name;
    switch (d.driver) {
      case 'file':
        return createFile(d, env, name);
      case 'stdout':
        return createStdout(d, env, name);
      // tcp(), tcp6(), udp(), udp6() arrive as network() with transport and ip-protocol set
      case 'network':
      case 'syslog':
        return createNetworkDestination(d, env, name, queued(d, env, name));
      default:
        throw new LocatedError(`logferry does not implement the ${d.driver}() destination yet`, d.loc);
    }
  });
}
