/**
 * Every option row of every schema is in exactly one of three states, and
 * this test holds each row to its state:
 *   - honoured: written with a non-default value, it changes what the built
 *     driver runs with (its `effective` settings, its formatted output, the
 *     message it makes of a sample line) and prints no warning;
 *   - warned: accepted with one `file:line:col: WARNING:` line naming it;
 *   - refused: a ConfigError at the option, while compiling.
 * A row without an entry in STATES fails the test, so a new option cannot
 * land unclassified. (That -s and a start print the same warnings and
 * refusals is shown with the real CLI in test/daemon/option-states.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, type Plan } from '../../src/config/index.ts';
import { rowValidOn } from '../../src/config/schema/index.ts';
import { OPTION_STATES, combos, compile, driversFingerprint, entryFor, harness, newWarnings, tlsFingerprint } from './option-states.lib.ts';

// ---------------------------------------------------------------- the walk

test('every option row of every schema has a state in the table, and the table names no row that does not exist', () => {
  const all = combos();
  assert.ok(all.length > 400, `walked ${all.length} rows`);
  const missing = all.filter((c) => !entryFor(c)).map((c) => c.key);
  assert.deepEqual(missing, [], 'rows without a state (add them to test/config/option-states.table.ts with a probe value)');
  const names = new Set(all.flatMap((c) => [c.key, `${c.side} ${c.row}`, c.row]));
  const stale = Object.keys(OPTION_STATES).filter((k) => !names.has(k));
  assert.deepEqual(stale, [], 'table keys that match no row');
});

test('schema declarations agree with the table: refused rows have `unsupported`, rows warned by their row have `ignored`', () => {
  for (const c of combos()) {
    const e = entryFor(c)!;
    const row = c.schema.rows.find((r) => r.name === c.row && rowValidOn(r, c.side))!;
    if (e.state === 'refused' && !e.context) assert.ok(row.unsupported, `${c.key} is refused, so its row declares unsupported`);
    else assert.equal(row.unsupported?.(row.default ?? false), undefined, `${c.key}: its default value is not refused`);
    if (e.state === 'honoured') assert.equal(row.ignored, undefined, `${c.key} is honoured, so its row declares no "ignored" warning`);
  }
});

for (const state of ['honoured', 'warned', 'refused'] as const) {
  test(`every ${state} option row behaves so`, () => {
    const failures: string[] = [];
    let checked = 0;
    for (const c of combos()) {
      const e = entryFor(c);
      if (!e || e.state !== state) continue;
      checked++;
      const base = harness(c, '', e);
      const variant = harness(c, e.set, e);
      let plain: Plan;
      try {
        plain = compile(base.text, `${c.key} base`);
      } catch (err) {
        failures.push(`${c.key}: the baseline config does not compile: ${(err as Error).message}\n${base.text}`);
        continue;
      }
      if (state === 'refused') {
        try {
          compile(variant.text, c.key);
          failures.push(`${c.key}: ${e.set} compiled, expected a refusal`);
        } catch (err) {
          if (!(err instanceof ConfigError) || !err.loc) failures.push(`${c.key}: ${e.set} failed without a config location: ${String(err)}`);
          else if (e.match && !e.match.test(err.message)) failures.push(`${c.key}: refusal "${err.message}" does not match ${e.match}`);
        }
        continue;
      }
      let plan: Plan;
      try {
        plan = compile(variant.text, c.key);
      } catch (err) {
        failures.push(`${c.key}: ${e.set} does not compile: ${(err as Error).message}`);
        continue;
      }
      const fresh = newWarnings(plain, plan);
      if (state === 'warned') {
        const want = e.match ?? new RegExp(c.row.replace(/[-()]/g, (x) => `\\${x}`));
        if (fresh.length !== 1) failures.push(`${c.key}: ${e.set} gave ${fresh.length} new warnings, expected one: ${JSON.stringify(fresh)}`);
        else if (!/^[^:]+:\d+:\d+: WARNING: /.test(fresh[0]) || !want.test(fresh[0])) failures.push(`${c.key}: warning "${fresh[0]}" lacks file:line:col or ${want}`);
        continue;
      }
      if (fresh.length > 0) failures.push(`${c.key}: honoured, but ${e.set} warns: ${JSON.stringify(fresh)}`);
      try {
        if (e.probe) {
          const msg = e.probe(plain, plan);
          if (msg) failures.push(`${c.key}: ${msg}`);
        } else {
          const fpOf = base.kind === 'tls' ? tlsFingerprint : driversFingerprint;
          if (fpOf(plain) === fpOf(plan)) failures.push(`${c.key}: ${e.set} changes nothing the drivers run with`);
        }
      } catch (err) {
        failures.push(`${c.key}: ${e.set} could not be built: ${(err as Error).message}`);
      }
    }
    assert.ok(checked > 0, `some rows are ${state}`);
    assert.deepEqual(failures, []);
  });
}


test('flags() words: those that change nothing in logferry warn once (file:line:col, the word, why); the others do not warn', () => {
  let warned = 0;
  for (const c of combos()) {
    const row = c.schema.rows.find((r) => r.name === c.row && rowValidOn(r, c.side))!;
    if (row.type.kind !== 'flags' || c.row !== 'flags') continue;
    const noEffect = row.type.noEffect ?? {};
    for (const k of Object.keys(noEffect)) assert.ok(row.type.values.includes(k), `${c.key}: ${k} is a flag word`);
    const e = entryFor(c)!;
    const plain = compile(harness(c, '', e).text, c.key);
    for (const word of row.type.values) {
      const plan = compile(harness(c, `flags(${word})`, e).text, `${c.key} ${word}`);
      const fresh = newWarnings(plain, plan);
      if (noEffect[word]) {
        warned++;
        assert.equal(fresh.length, 1, `${c.key} ${word}: ${JSON.stringify(fresh)}`);
        assert.match(fresh[0], new RegExp(`^[^:]+:\\d+:\\d+: WARNING: flags\\(${word}\\) is accepted but has no effect in logferry: `));
      } else {
        assert.deepEqual(fresh, [], `${c.key} ${word} is honoured and must not warn`);
      }
    }
  }
  assert.ok(warned >= 10, `${warned} no-effect flag words checked`);
});

test('transport(proxied-*) compiles, with the header position the listener needs', () => {
  const where: Record<string, string> = { 'proxied-tcp': 'plain', 'proxied-udp': 'plain', 'proxied-tls': 'inside-tls', 'proxied-tls-passthrough': 'before-tls' };
  for (const [t, proxy] of Object.entries(where)) {
    const tls = t.startsWith('proxied-tls') ? ' tls(peer-verify(optional-untrusted))' : '';
    const plan = compile(`source s { network(port(0) transport(${t})${tls}); };\n`, t);
    const st = plan.sources.get('s')!.drivers[0]!.settings;
    assert.ok(st.kind === 'network-source');
    assert.equal(st.transport.proxy, proxy, t);
  }
});

test('dns-cache(no) on a UDP source warns that datagrams then carry addresses, not names', () => {
  const plan = compile('source s { network(port(0) transport(udp) dns-cache(no)); };\n', 'udp-dns');
  assert.equal(plan.warnings.filter((w) => /dns-cache\(no\) with transport\(udp\)/.test(w)).length, 1);
  assert.equal(compile('source s { network(port(0) transport(udp) dns-cache(no) use-dns(no)); };\n', 'udp-nodns').warnings.filter((w) => /dns-cache/.test(w)).length, 0);
});
