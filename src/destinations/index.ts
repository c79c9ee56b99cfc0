/** Destination drivers from compiled declarations. */
import type { DestinationDecl, DriverDecl } from '../config/plan.ts';
import type { FileDestinationSettings, StdoutSettings } from '../config/settings/index.ts';
import { LocatedError } from '../core/location.ts';
import type { LogMessage } from '../message/log-message.ts';
import { createFormatter } from '../syslog/format/create.ts';
import type { DestinationDriver } from '../pipeline/types.ts';
import { byteExact, compileSpec, outputSettings, queuedOptions, zoneOption, type DriverEnv } from './common.ts';
import { FileDestination } from './file.ts';
import { resolveId } from './ids.ts';
import { StdoutDestination } from './stdout.ts';
import { createNetworkDestination } from './network.ts';
import { createAmqpDestination } from './amqp.ts';

export type { DriverEnv } from './common.ts';

type IdField = 'owner' | 'group' | 'dirOwner' | 'dirGroup';

/** owner() & co. as a numeric id; an unknown name is a configuration error (before any file is made) */
function idOption(s: FileDestinationSettings, field: IdField, option: string, kind: 'user' | 'group'): number | undefined {
  const id = resolveId(kind, s[field]);
  if (id === null) throw new LocatedError(`Error resolving ${kind}; ${kind}='${s[field]}' in ${option}(): no such ${kind} on this host`, s.where[field] ?? s.loc);
  return id;
}

function createFile(s: FileDestinationSettings, env: DriverEnv, name: string): DestinationDriver {
  const out = outputSettings(s);
  const formatter = createFormatter('file', out.format);
  const pathText = s.path;
  let fileName: (m: LogMessage) => string;
  if (pathText.includes('$')) {
    const t = compileSpec({ kind: 'template', text: pathText, escape: false, loc: s.loc });
    const opts = { ...out.templateOptions, timeZone: zoneOption(s.localTimeZone, 'local-time-zone', s.where.localTimeZone ?? s.loc) };
    fileName = (m) => t(m, opts);
  } else fileName = () => pathText;
  return new FileDestination({
    ...queuedOptions(s, env, name),
    fileName,
    format: byteExact((m) => formatter.format(m)),
    createDirs: s.createDirs,
    perm: s.perm,
    dirPerm: s.dirPerm,
    uid: idOption(s, 'owner', 'owner', 'user'),
    gid: idOption(s, 'group', 'group', 'group'),
    dirUid: idOption(s, 'dirOwner', 'dir-owner', 'user'),
    dirGid: idOption(s, 'dirGroup', 'dir-group', 'group'),
    timeReapMs: s.timeReap * 1000,
    fsync: s.fsync || out.flags.includes('fsync'),
  });
}

function createStdout(s: StdoutSettings, env: DriverEnv, name: string): DestinationDriver {
  const out = outputSettings(s);
  const formatter = createFormatter('file', out.format);
  return new StdoutDestination({ ...queuedOptions(s, env, name), format: byteExact((m) => formatter.format(m)) });
}

function notImplemented(d: DriverDecl): never {
  throw new LocatedError(`logferry does not implement the ${d.driver}() destination yet`, d.loc);
}

export function createDestinationDrivers(decl: DestinationDecl, env: DriverEnv): DestinationDriver[] {
  return decl.drivers.map((d, i) => {
    const name = decl.drivers.length > 1 ? `${decl.name}#${i}` : decl.name;
    const s = d.settings;
    switch (s.kind) {
      case 'file-destination':
        return createFile(s, env, name);
      case 'stdout':
        return createStdout(s, env, name);
      // tcp(), tcp6(), udp(), udp6() arrive as network() with transport and ip-protocol set
      case 'network-destination':
        return createNetworkDestination(d.driver, s, env, name, queuedOptions(s, env, name));
      case 'amqp-destination':
        return createAmqpDestination(s, env, name, queuedOptions(s, env, name));
      default:
        return notImplemented(d);
    }
  });
}
