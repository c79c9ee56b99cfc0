/** Log paths: sources, filters, final / fallback / catchall, nesting, junctions, and flow-control acks. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText } from '../../src/config/index.ts';
import { compileFilter } from '../../src/pipeline/filter.ts';
import { Router } from '../../src/pipeline/router.ts';
import { MemoryQueue } from '../../src/pipeline/queue.ts';
import type { Ack, DestinationDriver } from '../../src/pipeline/types.ts';
import { LogMessage } from '../../src/message/log-message.ts';

class Sink implements DestinationDriver {
  readonly name: string;
  got: string[] = [];
  acks: Ack[] = [];
  constructor(name: string) {
    this.name = name;
  }
  async start() {}
  async stop() {}
  deliver(msg: LogMessage, ack?: Ack) {
    this.got.push(msg.message);
    if (ack) this.acks.push(ack);
  }
}

function setup(cfg: string) {
  const plan = parseConfigText('@version: 4.27\n' + cfg, 'test.conf');
  const sinks = new Map<string, Sink>();
  const destinations = new Map<string, DestinationDriver[]>();
  for (const name of plan.destinations.keys()) {
    const s = new Sink(name);
    sinks.set(name, s);
    destinations.set(name, [s]);
  }
  const lookup = (n: string) => plan.filters.get(n)?.expr;
  const router = new Router(plan, { destinations, compileFilter: (e) => compileFilter(e, lookup), globalFlowControl: false });
  const send = (source: string, text: string, pri = 13, ack?: Ack) => {
    const m = new LogMessage();
    m.message = text;
    m.pri = pri;
    router.route(m, source, ack);
  };
  return { router, sinks, send };
}

const DECLS = `
source s1 { stdin(); };
source s2 { stdin(); };
destination a { stdout(); };
destination b { stdout(); };
destination c { stdout(); };
filter f_err { level(err..emerg); };
`;

test('a message reaches the destinations of every path of its source, filters apply', () => {
  const { sinks, send } = setup(DECLS + `
log { source(s1); destination(a); };
log { source(s1); filter(f_err); destination(b); };
log { source(s2); destination(c); };
`);
  send('s1', 'info', 14);
  send('s1', 'error', 11);
  send('s2', 'other', 14);
  assert.deepEqual(sinks.get('a')!.got, ['info', 'error']);
  assert.deepEqual(sinks.get('b')!.got, ['error']);
  assert.deepEqual(sinks.get('c')!.got, ['other']);
});

test('final stops later paths; fallback only gets what nothing else matched; catchall takes every source', () => {
  const { sinks, send, router } = setup(DECLS + `
log { source(s1); filter(f_err); destination(a); flags(final); };
log { source(s1); destination(b); };
log { source(s1); destination(c); flags(fallback); };
log { destination(c); flags(catchall); };
`);
  send('s1', 'error', 11);
  send('s1', 'info', 14);
  send('s2', 'from-s2', 14);
  assert.deepEqual(sinks.get('a')!.got, ['error']);
  assert.deepEqual(sinks.get('b')!.got, ['info']);
  // fallback never fires because the catchall path matched every message; catchall saw s1's info and s2's
  assert.deepEqual(sinks.get('c')!.got, ['info', 'from-s2']);
  assert.equal(router.unmatched, 0);
});

test('fallback path receives messages no other path matched', () => {
  const { sinks, send } = setup(DECLS + `
log { source(s1); filter(f_err); destination(a); };
log { source(s1); destination(b); flags(fallback); };
`);
  send('s1', 'error', 11);
  send('s1', 'info', 14);
  assert.deepEqual(sinks.get('a')!.got, ['error']);
  assert.deepEqual(sinks.get('b')!.got, ['info']);
});

test('embedded log paths and if/else branch inside a path', () => {
  const { sinks, send } = setup(DECLS + `
log { source(s1);
  if (level(err..emerg)) { destination(a); } else { destination(b); };
  log { filter(f_err); destination(c); flags(final); };
  log { destination(c); };
};
`);
  send('s1', 'error', 11);
  send('s1', 'info', 14);
  assert.deepEqual(sinks.get('a')!.got, ['error']);
  assert.deepEqual(sinks.get('b')!.got, ['info']);
  // the final embedded path keeps "error" from its sibling: c gets each message once
  assert.deepEqual(sinks.get('c')!.got, ['error', 'info']);
});

test('flow control: the source ack fires only after every flow-controlled destination acked', () => {
  const { sinks, send } = setup(DECLS + `
log { source(s1); destination(a); destination(b); flags(flow-control); };
log { source(s1); destination(c); };
`);
  let acked = 0;
  send('s1', 'm1', 14, () => acked++);
  assert.equal(acked, 0, 'not acked while a and b hold it');
  assert.equal(sinks.get('c')!.acks.length, 0, 'non-flow-controlled path gets no ack');
  sinks.get('a')!.acks[0]();
  assert.equal(acked, 0);
  sinks.get('b')!.acks[0]();
  assert.equal(acked, 1);
  let acked2 = 0;
  const { send: send2 } = setup(DECLS + `log { source(s1); destination(a); };`);
  send2('s1', 'm', 14, () => acked2++);
  assert.equal(acked2, 1, 'without flow control the ack is immediate');
});

test('allWritten (an acknowledging connection): the ack waits for every destination the message went to, flow control or not', () => {
  const { router, sinks } = setup(DECLS + `
log { source(s1); destination(a); flags(flow-control); };
log { source(s1); destination(b); };
log { source(s1); filter(f_err); destination(c); };
`);
  let acked = 0;
  const m = new LogMessage();
  m.message = 'm1';
  m.pri = 14;
  router.route(m, 's1', () => acked++, true);
  assert.equal(sinks.get('b')!.acks.length, 1, 'the path without flow control gets an ack too');
  assert.equal(sinks.get('c')!.got.length, 0, 'filtered out: not waited for');
  sinks.get('a')!.acks[0]();
  assert.equal(acked, 0, 'b has not written it');
  sinks.get('b')!.acks[0]();
  assert.equal(acked, 1);
  let nowhere = 0;
  const { router: r2 } = setup(DECLS + `log { source(s2); destination(a); };`);
  r2.route(m, 's1', () => nowhere++, true);
  assert.equal(nowhere, 1, 'a message no path takes is acked at once');
});

test('memory queue drops non-flow-controlled messages beyond log-fifo-size, never flow-controlled ones', () => {
  const q = new MemoryQueue(2);
  const m = new LogMessage();
  assert.equal(q.push(m, undefined), true);
  assert.equal(q.push(m, undefined), true);
  assert.equal(q.push(m, undefined), false);
  assert.equal(q.push(m, () => {}), true);
  assert.equal(q.dropped, 1);
  assert.equal(q.length, 3);
  const taken = q.take(2);
  assert.equal(taken.length, 2);
  q.unshift(taken);
  assert.equal(q.length, 3);
  assert.equal(q.push(m, undefined), false, 'put-back entries still count against the limit');
});
