/**
 * What `--help-driver NAME` and docs/options.md can describe: every driver of
 * the DRIVERS table, `options {}` and every block reachable from their rows
 * (`tls()`, `failover()`, `stats()`…). Derived from the schema tables, so a
 * new driver or block row appears here without an edit.
 */
import { DRIVERS, UNIMPLEMENTED_DRIVERS, globalSchema, type OptionSchema, type Side } from '../config/schema/index.ts';
import { didYouMean } from '../config/suggest.ts';

export interface OptionTopic {
  /** the names a user may ask for, the first one shown */
  names: string[];
  /** heading, e.g. `tcp(), tcp6(), udp(), udp6()` or `options {}` */
  title: string;
  schema: OptionSchema;
  /** where its options may be written, unless a row says otherwise */
  sides: Side[];
  /** the topics whose options hold this block (empty for drivers and options {}) */
  within: string[];
  /** one line per driver whose name fixes some options (tcp6() ⇒ transport and ip-protocol) */
  fixed: string[];
}

/** `Network()`, `cipher_suite`, `options {}` ⇒ `network`, `cipher-suite`, `options`. */
export function normalizeTopicName(name: string): string {
  return name.trim().toLowerCase().replace(/\s*(\(\)|\{\})$/, '').replace(/_/g, '-');
}

function addSides(into: Side[], sides: readonly Side[]): void {
  for (const s of sides) if (!into.includes(s)) into.push(s);
}

function buildTopics(): OptionTopic[] {
  const topics: OptionTopic[] = [
    { names: ['options', 'global'], title: globalSchema.name, schema: globalSchema, sides: ['global'], within: [], fixed: [] },
  ];
  const bySchema = new Map<OptionSchema, OptionTopic>([[globalSchema, topics[0]]]);
  for (const [name, info] of Object.entries(DRIVERS)) {
    let t = bySchema.get(info.schema);
    if (!t) {
      t = { names: [], title: '', schema: info.schema, sides: [], within: [], fixed: [] };
      bySchema.set(info.schema, t);
      topics.push(t);
    }
    t.names.push(name);
    t.title = t.names.map((n) => `${n}()`).join(', ');
    addSides(t.sides, info.sides);
    if (info.fixed) t.fixed.push(`${name}() is network() with transport(${info.fixed.transport}) ip-protocol(${info.fixed.ipProtocol})`);
  }
  // blocks, breadth first: a block found in a block (failback() in failover()) follows it
  for (let i = 0; i < topics.length; i++) {
    const parent = topics[i];
    for (const row of parent.schema.rows) {
      if (row.type.kind !== 'block' && row.type.kind !== 'string-or-block') continue;
      const schema = row.type.schema();
      let t = bySchema.get(schema);
      if (!t) {
        t = { names: [normalizeTopicName(schema.name)], title: schema.name, schema, sides: [], within: [], fixed: [] };
        bySchema.set(schema, t);
        topics.push(t);
      }
      if (!t.within.includes(parent.title)) t.within.push(parent.title);
      addSides(t.sides, row.sides ?? parent.sides);
    }
  }
  return topics;
}

export const OPTION_TOPICS: readonly OptionTopic[] = buildTopics();

export type TopicLookup =
  | { kind: 'topic'; topic: OptionTopic }
  | { kind: 'unimplemented'; name: string }
  | { kind: 'unknown'; name: string; suggestion: string | undefined };

export function findTopic(asked: string): TopicLookup {
  const name = normalizeTopicName(asked);
  const topic = OPTION_TOPICS.find((t) => t.names.includes(name));
  if (topic) return { kind: 'topic', topic };
  if (UNIMPLEMENTED_DRIVERS.includes(name)) return { kind: 'unimplemented', name };
  const known = OPTION_TOPICS.flatMap((t) => t.names);
  return { kind: 'unknown', name: asked, suggestion: didYouMean(name, [...known, ...UNIMPLEMENTED_DRIVERS]) };
}
