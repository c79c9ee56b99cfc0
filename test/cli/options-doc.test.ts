/** The option reference (`--help-driver`, docs/options.md) says what the schema tables say. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LOGFERRY_MAIN } from '../helpers/daemon.ts';
import { REPO_ROOT, runToExit, tempDir } from '../helpers/peers.ts';
import { ALL_SCHEMAS, DRIVERS, UNIMPLEMENTED_DRIVERS, networkSchema, tlsSchema, globalSchema } from '../../src/config/schema/index.ts';
import { parseArgs } from '../../src/cli/args.ts';
import { OPTIONS_DOC_PATH, driverHelp, optionsMarkdown } from '../../src/cli/option-docs.ts';
import { optionFacts, showValue } from '../../src/cli/option-facts.ts';
import { OPTION_TOPICS, findTopic } from '../../src/cli/option-topics.ts';
import { OPTION_STATES } from '../config/option-states.table.ts';

function run(args: string[]) {
  return runToExit(process.execPath, [LOGFERRY_MAIN, ...args], { name: 'logferry', timeoutMs: 20_000 });
}

/** The lines of one option in `--help-driver` output, up to the next option. */
function optionBlock(text: string, name: string, side: string): string {
  const start = text.indexOf(`\n  ${name}()  [${side}]\n`);
  assert.ok(start >= 0, `${name}() [${side}] is listed`);
  const end = text.indexOf('\n\n', start + 1);
  return text.slice(start, end < 0 ? undefined : end);
}

test('docs/options.md is what `npm run docs` generates from the schema tables', () => {
  const committed = fs.readFileSync(path.join(REPO_ROOT, OPTIONS_DOC_PATH), 'utf8');
  assert.ok(committed === optionsMarkdown(), 'docs/options.md is out of date: run npm run docs');
});

test('scripts/gen-options-doc.ts writes the same text (npm run docs)', async (t) => {
  const dir = tempDir('lf-docs');
  t.after(() => dir.remove());
  const out = path.join(dir.path, 'options.md');
  const r = await runToExit(process.execPath, [path.join(REPO_ROOT, 'scripts', 'gen-options-doc.ts'), out], { name: 'gen-options-doc', timeoutMs: 20_000 });
  assert.equal(r.exit.code, 0, r.stderr);
  assert.equal(fs.readFileSync(out, 'utf8'), optionsMarkdown());
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
  assert.equal(pkg.scripts.docs, 'node scripts/gen-options-doc.ts');
});

test('every schema row has a doc line, and every schema is a --help-driver topic', () => {
  for (const s of ALL_SCHEMAS) {
    for (const r of s.rows) assert.ok(r.doc.trim().length > 0, `${s.name} ${r.name} has a doc`);
    assert.ok(OPTION_TOPICS.some((t) => t.schema === s), `${s.name} can be shown`);
  }
  for (const name of Object.keys(DRIVERS)) assert.equal(findTopic(name).kind, 'topic', name);
});

test('--help-driver network shows max-connections() with the default of its schema row', async () => {
  const row = networkSchema.rows.find((r) => r.name === 'max-connections');
  assert.ok(row?.default !== undefined);
  const r = await run(['--help-driver', 'network']);
  assert.equal(r.exit.code, 0, r.stderr);
  const block = optionBlock(r.stdout, 'max-connections', 'source');
  assert.ok(block.includes(`default: ${showValue(row, row.default)}\n`), block);
  assert.ok(block.includes(row.doc), block);
  assert.match(block, /state: honoured/);
  // a refused row says so, with the error a config using it gets
  const iface = optionBlock(r.stdout, 'interface', 'source, destination');
  assert.match(iface, /state: refused/);
  assert.ok(iface.includes(networkSchema.rows.find((x) => x.name === 'interface')!.unsupported!('eth0')!), iface);
});

test('--help-driver without NAME lists the names; an unknown or unimplemented NAME is a usage error (exit 2)', async () => {
  const list = await run(['--help-driver']);
  assert.equal(list.exit.code, 0, list.stderr);
  for (const t of OPTION_TOPICS) for (const n of t.names) assert.ok(list.stdout.includes(n), n);
  assert.ok(list.stdout.includes(UNIMPLEMENTED_DRIVERS[0]));

  const typo = await run(['--help-driver', 'netwrk']);
  assert.equal(typo.exit.code, 2);
  assert.match(typo.stderr, /no driver or block named 'netwrk'; did you mean network\?/);
  assert.match(typo.stderr, /Known names: options, global, network, /);
  assert.doesNotMatch(typo.stderr, /\n\s+at /);

  const program = await run(['--help-driver=program']);
  assert.equal(program.exit.code, 2);
  assert.match(program.stderr, /program\(\) is a syslog-ng driver that logferry does not implement/);
});

test('--help-driver takes NAME, NAME=, or nothing before another flag', () => {
  assert.equal(parseArgs([]).helpDriver, undefined);
  assert.equal(parseArgs(['--help-driver']).helpDriver, '');
  assert.equal(parseArgs(['--help-driver', 'tls']).helpDriver, 'tls');
  assert.equal(parseArgs(['--help-driver=tls']).helpDriver, 'tls');
  const o = parseArgs(['--help-driver', '-v']);
  assert.equal(o.helpDriver, '');
  assert.equal(o.verbose, true);
});

test('names are found the way a user writes them', () => {
  for (const [asked, schema] of [['Network()', networkSchema], ['options {}', globalSchema], ['global', globalSchema], ['tls', tlsSchema], ['TLS()', tlsSchema]] as const) {
    const hit = findTopic(asked);
    assert.ok(hit.kind === 'topic' && hit.topic.schema === schema, asked);
  }
  assert.equal(findTopic('cipher_suite').kind, 'topic');
  assert.equal(findTopic('unix_stream').kind, 'topic');
  assert.equal(findTopic('program').kind, 'unimplemented');
  assert.ok('text' in driverHelp('failback'));
});

test('the state of every row is what compiling its values does', () => {
  for (const t of OPTION_TOPICS) {
    for (const row of t.schema.rows) {
      if (row.moveTo) continue;
      const f = optionFacts(t.schema, row, t.sides);
      const where = `${t.title} ${row.name}`;
      if (!row.ignored && !row.unsupported) assert.equal(f.state.kind, 'honoured', where);
      if (typeof row.ignored === 'string') assert.deepEqual([f.state.kind, f.state.message], ['no-effect', row.ignored], where);
      if (f.state.kind === 'refused') assert.ok(row.unsupported, where);
      if (f.state.kind === 'no-effect') assert.ok(row.ignored, where);
      // "unless X": X compiles silently, and what the reader is shown is a real message
      const unless = / unless (.+)$/.exec(f.state.label);
      if (unless && row.default !== undefined && showValue(row, row.default) === unless[1]) {
        const judge = f.state.kind === 'refused' ? row.unsupported! : (row.ignored as (v: unknown) => string | undefined);
        assert.equal(judge(row.default), undefined, where);
      }
      if (f.state.kind !== 'honoured') assert.ok(f.state.message && f.state.message.length > 10, where);
    }
  }
  const compress = optionFacts(tlsSchema, tlsSchema.rows.find((r) => r.name === 'allow-compress')!, ['source']);
  assert.equal(compress.state.label, 'refused unless no');
  const threaded = optionFacts(globalSchema, globalSchema.rows.find((r) => r.name === 'threaded')!, ['global']);
  assert.equal(threaded.state.label, 'no effect; warns');
});

test('the reference agrees with the option-states table that the compile tests check', () => {
  const checked: string[] = [];
  const wrong: string[] = [];
  for (const t of OPTION_TOPICS) {
    for (const side of t.sides) {
      for (const row of t.schema.rows) {
        if (row.sides && !row.sides.includes(side)) continue;
        const key = `${t.schema.name} ${side} ${row.name}`;
        const e = OPTION_STATES[key] ?? OPTION_STATES[`${side} ${row.name}`] ?? OPTION_STATES[row.name];
        // a block's state is its rows' (checked in the block's own topic)
        if (!e || e.context || row.type.kind === 'block') continue;
        const f = optionFacts(t.schema, row, t.sides);
        checked.push(key);
        if (e.state === 'honoured' && f.state.kind !== 'honoured') wrong.push(`${key} is honoured, shown as ${f.state.label}`);
        if (e.state === 'refused' && f.state.kind !== 'refused') wrong.push(`${key} is refused, shown as ${f.state.label}`);
        // a warning the driver gives (finalize.ts), not the row, is said in the doc line
        if (e.state === 'warned' && f.state.kind !== 'no-effect' && !/\bwarns\b/.test(row.doc)) wrong.push(`${key} warns, but neither its state nor its doc line says so: "${row.doc}"`);
      }
    }
  }
  assert.deepEqual(wrong, []);
  assert.ok(checked.length > 150, `${checked.length} rows checked`);
});
