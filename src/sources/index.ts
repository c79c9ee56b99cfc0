/** Source drivers from compiled declarations. */
import type { DriverDecl, SourceDecl } from '../config/plan.ts';
import { optList, optNumber, optString } from '../config/plan-access.ts';
import { LocatedError } from '../core/location.ts';
import { ParseFlag } from '../syslog/parse.ts';
import type { SourceDriver } from '../pipeline/types.ts';
import { converterFor, hostRulesFor, pidOverrideFor, maxMsgSize, parseOptionsFor, tagsFor, type SourceEnv } from './common.ts';
import { FileSource, StdinSource } from './file.ts';
import { InternalSource } from './internal.ts';
import { createNetworkSource } from './network.ts';
import type { ReaderOptions } from './reader.ts';

export type { SourceEnv } from './common.ts';

function localReader(d: DriverDecl, env: SourceEnv, name: string): Omit<ReaderOptions, 'sourceName'> {
  const parse = parseOptionsFor(d, env);
  return {
    framing: 'newline',
    maxMsgSize: maxMsgSize(d, env),
    trimLargeMessages: false,
    emptyLines: (parse.flags & ParseFlag.EMPTY_LINES) !== 0,
    parse,
    hostRules: hostRulesFor(d, name),
    window: optNumber(d.options, 'log-iw-size') ?? 100,
    fetchLimit: optNumber(d.options, 'log-fetch-limit') ?? 10,
    tags: tagsFor(d, name),
    values: [],
    sender: { ip: '127.0.0.1', resolvedName: env.hostname },
    local: true,
    congestion: env.congestion,
    convert: converterFor(d),
    pidOverride: pidOverrideFor(d, env),
  };
}

export interface CreatedSources {
  drivers: SourceDriver[];
  /** internal() drivers: the daemon connects them to the internal log */
  internal: InternalSource[];
}

export function createSourceDrivers(decl: SourceDecl, env: SourceEnv): CreatedSources {
  const drivers: SourceDriver[] = [];
  const internal: InternalSource[] = [];
  for (const d of decl.drivers) {
    const name = decl.name;
    switch (d.driver) {
      case 'file': {
        const freq = optNumber(d.options, 'follow-freq') ?? 1;
        drivers.push(
          new FileSource({
            name,
            path: d.positional[0],
            followFreqMs: freq > 0 ? freq * 1000 : 1000,
            timeReopenMs: (optNumber(env.globals, 'time-reopen') ?? 60) * 1000,
            reader: localReader(d, env, name),
          }),
        );
        break;
      }
      case 'stdin':
        drivers.push(new StdinSource({ name, reader: localReader(d, env, name), onEof: env.onStdinEof }));
        break;
      case 'internal': {
        const s = new InternalSource(name, env.hostname, env.pid, {
          tags: optList(d.options, 'tags'),
          programOverride: optString(d.options, 'program-override'),
          hostOverride: optString(d.options, 'host-override'),
        });
        internal.push(s);
        drivers.push(s);
        break;
      }
      // tcp(), tcp6(), udp(), udp6() arrive as network() with transport and ip-protocol set
      case 'network':
      case 'syslog':
        drivers.push(createNetworkSource(d, env, name));
        break;
      default:
        throw new LocatedError(`logferry does not implement the ${d.driver}() source yet`, d.loc);
    }
  }
  return { drivers, internal };
}
