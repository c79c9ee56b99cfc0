/** Source drivers from compiled declarations. */
import type { DriverDecl, SourceDecl } from '../config/plan.ts';
import type { FileSourceSettings, StdinSettings } from '../config/settings/index.ts';
import { LocatedError } from '../core/location.ts';
import { ParseFlag } from '../syslog/parse.ts';
import type { SourceDriver } from '../pipeline/types.ts';
import { converterFor, hostRulesFor, pidOverrideFor, parseOptionsFor, tagsFor, type SourceEnv } from './common.ts';
import { FileSource, StdinSource } from './file.ts';
import { InternalSource } from './internal.ts';
import { createNetworkSource } from './network.ts';
import type { ReaderOptions } from './reader.ts';
import { createUnixDgramSource, createUnixStreamSource } from './unix.ts';
import { createSystemSource } from './system.ts';

export type { SourceEnv } from './common.ts';

function localReader(s: FileSourceSettings | StdinSettings, env: SourceEnv, name: string): Omit<ReaderOptions, 'sourceName'> {
  const parse = parseOptionsFor(s, env);
  return {
    framing: 'newline',
    maxMsgSize: s.logMsgSize,
    trimLargeMessages: false,
    emptyLines: (parse.flags & ParseFlag.EMPTY_LINES) !== 0,
    parse,
    hostRules: hostRulesFor(s, name),
    window: s.logIwSize,
    fetchLimit: s.logFetchLimit,
    tags: tagsFor(s, name),
    values: [],
    sender: { ip: '127.0.0.1', resolvedName: env.hostname },
    local: true,
    congestion: env.congestion,
    convert: converterFor(s),
    pidOverride: pidOverrideFor(s, env),
  };
}

export interface CreatedSources {
  drivers: SourceDriver[];
  /** internal() drivers: the daemon connects them to the internal log */
  internal: InternalSource[];
}

function notImplemented(d: DriverDecl): never {
  throw new LocatedError(`logferry does not implement the ${d.driver}() source yet`, d.loc);
}

export function createSourceDrivers(decl: SourceDecl, env: SourceEnv): CreatedSources {
  const drivers: SourceDriver[] = [];
  const internal: InternalSource[] = [];
  for (const d of decl.drivers) {
    const name = decl.name;
    const s = d.settings;
    switch (s.kind) {
      case 'file-source':
        drivers.push(
          new FileSource({
            name,
            path: s.path,
            followFreqMs: s.followFreq > 0 ? s.followFreq * 1000 : 1000,
            timeReopenMs: s.timeReopen * 1000,
            reader: localReader(s, env, name),
          }),
        );
        break;
      case 'stdin':
        drivers.push(new StdinSource({ name, reader: localReader(s, env, name), onEof: env.onStdinEof }));
        break;
      case 'internal': {
        const i = new InternalSource(name, env.hostname, env.pid, { tags: s.tags, programOverride: s.programOverride, hostOverride: s.hostOverride });
        internal.push(i);
        drivers.push(i);
        break;
      }
      // tcp(), tcp6(), udp(), udp6() arrive as network() with transport and ip-protocol set
      case 'network-source':
        drivers.push(createNetworkSource(d.driver, s, env, name));
        break;
      case 'unix-stream':
        drivers.push(createUnixStreamSource(s, env, name));
        break;
      case 'unix-dgram':
        drivers.push(createUnixDgramSource(s, env, name));
        break;
      case 'system':
        drivers.push(createSystemSource(s, env, name));
        break;
      default:
        notImplemented(d);
    }
  }
  return { drivers, internal };
}
