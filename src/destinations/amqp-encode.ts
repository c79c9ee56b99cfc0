/**
 * What amqp() publishes for one message, as AxoSyslog's afamqp does: the
 * routing key and body from templates (an empty body when body() is not
 * set), and the value-pairs() selection as string headers.
 */
import type { AmqpDestinationSettings } from '../config/settings/index.ts';
import { LocatedError } from '../core/location.ts';
import type { LogMessage } from '../message/log-message.ts';
import type { TemplateOptions } from '../message/template.ts';
import { parseValuePairsArgs, ValuePairs, ValuePairsError } from '../message/value-pairs.ts';
import { compileSpec, zoneOption } from './common.ts';

export interface AmqpPublish {
  routingKey: string;
  body: Buffer;
  headers: Record<string, string>;
}

const EMPTY = Buffer.alloc(0);
/** AxoSyslog's value_pairs_new_default() */
const DEFAULT_SCOPES = ['selected-macros', 'nv-pairs', 'sdata'];

export type AmqpEncoder = (m: LogMessage) => AmqpPublish;

export function amqpEncoder(s: AmqpDestinationSettings): AmqpEncoder {
  const opts: TemplateOptions = { tsFormat: s.tsFormat, fracDigits: s.fracDigits, timeZone: zoneOption(s.timeZone, 'time-zone', s.where.timeZone ?? s.loc) };
  const cut = s.truncateSize;
  const rk = compileSpec({ kind: 'template', text: s.routingKey, escape: false, loc: s.where.routingKey ?? s.loc });
  const constantKey = s.routingKey.includes('$') ? undefined : s.routingKey;
  const body = s.body ? compileSpec(s.body) : undefined;
  const vpSet = s.valuePairs ?? { scope: undefined, key: [], exclude: [] };
  const argv: string[] = [];
  for (const sc of vpSet.scope ?? DEFAULT_SCOPES) argv.push('--scope', sc);
  for (const k of vpSet.key) argv.push('--key', k);
  for (const k of vpSet.exclude) argv.push('--exclude', k);
  let vp: ValuePairs;
  try {
    const cfg = parseValuePairsArgs(
      argv,
      () => {
        throw new ValuePairsError('pair() is not supported in amqp() value-pairs()');
      },
      () => false,
      true,
    );
    vp = new ValuePairs(cfg);
  } catch (err) {
    if (err instanceof ValuePairsError) throw new LocatedError(`amqp() value-pairs(): ${err.message}`, s.where.valuePairs ?? s.loc);
    throw err;
  }
  const ctx = { tsFormat: opts.tsFormat, fracDigits: opts.fracDigits, timeZone: opts.timeZone };
  return (m) => {
    const headers: Record<string, string> = {};
    for (const r of vp.collect(m, ctx)) headers[r.name] = r.value;
    return {
      routingKey: constantKey ?? rk(m, opts),
      body: body ? truncate(Buffer.from(body(m, opts), 'utf8'), cut) : EMPTY,
      headers,
    };
  };
}

/** one publish as text: what -s and the option tests compare */
export function showPublish(p: AmqpPublish): string {
  return `${p.routingKey}\n${JSON.stringify(p.headers)}\n${p.body.toString('utf8')}`;
}

/** truncate-size(): the body cut at that many bytes, as other destinations cut their output */
function truncate(b: Buffer, n: number | undefined): Buffer {
  return n !== undefined && n > 0 && b.length > n ? b.subarray(0, n) : b;
}
