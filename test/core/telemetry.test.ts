/**
 * The telemetry seam: one emit = one log line + one counter increment, the
 * subscription channel, and the table of every declared event kind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setInternalSinks, type InternalEvent, type InternalLevel } from '../../src/core/internal-log.ts';
import { getCounter } from '../../src/core/stats.ts';
import { defineEvent, emit, eventKinds, subscribeEvents, type EmittedEvent } from '../../src/core/telemetry.ts';
// every layer's declarations, so the table below sees them all
import '../../src/tls/events.ts';
import '../../src/transport/events.ts';
import '../../src/destinations/events.ts';
import '../../src/buffer/events.ts';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

function capture(opts: { debug?: boolean } = {}): InternalEvent[] {
  const lines: InternalEvent[] = [];
  setInternalSinks([(ev) => lines.push(ev)], opts);
  return lines;
}

const probe = defineEvent<{ who: string; code: 'a' | 'b' }>({
  name: 'test_probe',
  level: 'warning',
  text: 'Test probe happened',
  counter: 'test_probes_total',
  labels: ({ code }) => ({ code }),
  tags: ({ who, code }) => ({ who, code }),
});

test('emit: one line with the constant text and the tags, one counter increment under the bounded label', () => {
  const lines = capture();
  const before = getCounter('test_probes_total', { code: 'a' });
  emit(probe, { who: 'peer-1', code: 'a' });
  emit(probe, { who: 'peer-2', code: 'a' });
  assert.deepEqual(lines.map((l) => [l.level, l.text, l.tags]), [
    ['warning', 'Test probe happened', { who: 'peer-1', code: 'a' }],
    ['warning', 'Test probe happened', { who: 'peer-2', code: 'a' }],
  ]);
  assert.equal(getCounter('test_probes_total', { code: 'a' }), before + 2);
  assert.equal(getCounter('test_probes_total', { code: 'b' }), 0);
  setInternalSinks([]);
});

test('a debug event still counts while debug is off, and its tags are not even built', () => {
  const lines = capture({ debug: false });
  let built = 0;
  const quiet = defineEvent<{ n: number }>({
    name: 'test_quiet',
    level: 'debug',
    text: 'Quiet test event',
    counter: 'test_quiet_total',
    labels: () => ({}),
    tags: ({ n }) => {
      built++;
      return { n };
    },
  });
  emit(quiet, { n: 1 });
  assert.equal(getCounter('test_quiet_total'), 1);
  assert.equal(lines.length, 0);
  assert.equal(built, 0);
  setInternalSinks([]);
});

test('subscribers of the channel get each event once, with kind, labels and fields; unsubscribe stops them', () => {
  capture();
  const got: EmittedEvent[] = [];
  const stop = subscribeEvents((ev) => got.push(ev));
  emit(probe, { who: 'x', code: 'b' });
  stop();
  emit(probe, { who: 'y', code: 'b' });
  assert.equal(got.length, 1);
  assert.equal(got[0].kind, 'test_probe');
  assert.equal(got[0].counter, 'test_probes_total');
  assert.deepEqual(got[0].labels, { code: 'b' });
  assert.deepEqual(got[0].fields, { who: 'x', code: 'b' });
  setInternalSinks([]);
});

test('an event name is declared once', () => {
  assert.throws(() => defineEvent({ ...probe }), /declared twice/);
});

test('every declared event kind: constant text, a *_total counter of its own, a real level', () => {
  const levels: InternalLevel[] = ['error', 'warning', 'notice', 'info', 'verbose', 'debug'];
  const kinds = eventKinds().filter((k) => !k.name.startsWith('test_'));
  // the layers' own kinds (tls, transport, destinations, buffer) are all here
  for (const name of ['tls_handshake_failed', 'connection_accepted', 'connection_rejected', 'tls_on_plain_port', 'connect_failed', 'resolve_failed', 'connection_established', 'message_dropped', 'disk_buffer_segment_quarantined', 'disk_buffer_torn_tail_cut']) {
    assert.ok(kinds.some((k) => k.name === name), `${name} is declared`);
  }
  const counters = new Set<string>();
  for (const k of kinds) {
    assert.match(k.name, /^[a-z][a-z0-9_]*$/, k.name);
    assert.ok(levels.includes(k.level), `${k.name}: level ${k.level}`);
    assert.equal(typeof k.text, 'string', `${k.name}: the text is a constant, not a function of the fields`);
    assert.ok(k.text.length > 0 && !/\$\{|undefined|\[object/.test(k.text), `${k.name}: text '${k.text}'`);
    assert.match(k.counter, /^[a-z][a-z0-9_]*_total$/, `${k.name}: counter ${k.counter}`);
    assert.ok(!counters.has(k.counter), `${k.name}: counter ${k.counter} belongs to one event only`);
    counters.add(k.counter);
    assert.ok(Object.isFrozen(k), `${k.name} is frozen`);
  }
});

test('the counter names tests and users see are the declared ones', () => {
  const byName = new Map(eventKinds().map((k) => [k.name, k.counter]));
  assert.equal(byName.get('tls_handshake_failed'), 'tls_handshake_failures_total');
  assert.equal(byName.get('message_dropped'), 'dropped_messages_total');
  assert.equal(byName.get('connect_failed'), 'transport_connect_failures_total');
  assert.equal(byName.get('connection_accepted'), 'transport_accepted_connections_total');
  assert.equal(byName.get('connection_rejected'), 'transport_rejected_connections_total');
  assert.equal(byName.get('tls_on_plain_port'), 'transport_tls_on_plain_total');
});

test('outside core/, nothing bumps a counter by hand: counters come from events only', () => {
  const offenders: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && !p.startsWith(join(SRC, 'core'))) {
        if (/\bincCounter\s*\(/.test(readFileSync(p, 'utf8'))) offenders.push(p.slice(SRC.length));
      }
    }
  };
  walk(SRC);
  assert.deepEqual(offenders, []);
});
