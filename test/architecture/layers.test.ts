/**
 * The layer table (lower never imports higher): every `import`, `export … from`
 * and `import()` in src/ is checked against it. A whole-statement `import type`
 * / `export type` is a type import (erased when the code runs); anything else,
 * `import { type X }` included, loads the module and is a value import.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { REPO_ROOT } from '../helpers/peers.ts';

const SRC = path.join(REPO_ROOT, 'src');

interface Rule {
  /** folders whose modules may be loaded */
  values: readonly string[];
  /** folders from which only types may be imported */
  types?: readonly string[];
}

const DRIVER_RULE: Rule = { values: ['transport', 'syslog', 'tls', 'message', 'pipeline', 'core'], types: ['config'] };
const BELOW_DAEMON = ['sources', 'destinations', 'buffer', 'pipeline', 'config', 'transport', 'tls', 'syslog', 'message', 'core'];

/** By folder under src/; a folder may always import itself. */
const LAYERS: Readonly<Record<string, Rule>> = {
  core: { values: [] },
  message: { values: ['core'] },
  syslog: { values: ['message', 'core'] },
  tls: { values: ['core'] },
  // makes certificates, CRLs and hashed dirs for `logferry cert`; reads them with tls/'s parsers
  pki: { values: ['tls', 'core'] },
  transport: { values: ['tls', 'core'] },
  // the disk buffer stores opaque payloads (a destination's formatted records): no message/ needed
  buffer: { values: ['core'] },
  config: { values: ['message', 'core'], types: ['syslog', 'tls'] },
  // the driver contracts (types.ts) name the TLS endpoint a driver is handed
  pipeline: { values: ['message', 'core'], types: ['config', 'tls'] },
  sources: DRIVER_RULE,
  // disk-buffer() destinations keep their records in buffer/
  destinations: { values: [...DRIVER_RULE.values, 'buffer'], types: DRIVER_RULE.types },
  daemon: { values: BELOW_DAEMON },
  // `logferry send`: a client beside the drivers, composing syslog/ formatting and framing with tls/
  send: { values: ['transport', 'syslog', 'tls', 'message', 'core'] },
  cli: { values: ['daemon', 'pki', 'send', 'buffer', ...BELOW_DAEMON] },
};

/**
 * Imports allowed to break the table, as `importer -> imported` (paths under
 * src/), each with a comment saying why. Empty since issue 13; the test fails
 * when a listed one is fixed, so the list can only shrink.
 */
const KNOWN_EXCEPTIONS: readonly string[] = [];

interface Edge {
  from: string;
  to: string;
  typeOnly: boolean;
}

function sourceFiles(): string[] {
  return (fs.readdirSync(SRC, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).map((f) => f.split(path.sep).join('/')).sort();
}

/** The relative imports of one file, with whether each only brings types. */
function importsOf(file: string, text = fs.readFileSync(path.join(SRC, file), 'utf8')): Edge[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
  const edges: Edge[] = [];
  const add = (spec: ts.Expression | undefined, typeOnly: boolean) => {
    if (!spec || !ts.isStringLiteralLike(spec) || !spec.text.startsWith('.')) return;
    const to = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec.text));
    edges.push({ from: file, to, typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) add(node.moduleSpecifier, node.importClause?.isTypeOnly ?? false);
    else if (ts.isExportDeclaration(node)) add(node.moduleSpecifier, node.isTypeOnly);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node.arguments[0], false);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return edges;
}

const layerOf = (file: string) => file.split('/')[0];

/** Why an import breaks the table, or undefined when it is allowed. */
function ruleBroken(e: Edge): string | undefined {
  const from = layerOf(e.from);
  const to = layerOf(e.to);
  if (from === to) return undefined;
  const rule = LAYERS[from];
  if (!rule) return `src/${from}/ is not in the layer table`;
  if (rule.values.includes(to)) return undefined;
  if (rule.types?.includes(to)) return e.typeOnly ? undefined : `${from}/ may import only types from ${to}/ (use import type)`;
  return `${from}/ may not import ${to}/ (allowed: ${[...rule.values, ...(rule.types ?? []).map((t) => `${t} types`)].join(', ') || 'nothing of ours'})`;
}

test('every folder of src/ is in the layer table', () => {
  const folders = new Set(sourceFiles().map(layerOf));
  for (const f of folders) assert.ok(LAYERS[f], `src/${f}/ is not in the layer table of test/architecture/layers.test.ts`);
});

test('imports follow the layer table; KNOWN_EXCEPTIONS lists exactly the imports that still break it', () => {
  const edges = sourceFiles().flatMap((f) => importsOf(f));
  assert.ok(edges.length > 300, `${edges.length} imports found: the parser sees them`);
  const broken = new Map<string, string>();
  for (const e of edges) {
    const why = ruleBroken(e);
    if (why) broken.set(`${e.from} -> ${e.to}`, why);
  }
  const added = [...broken].filter(([k]) => !KNOWN_EXCEPTIONS.includes(k)).map(([k, why]) => `  ${k}: ${why}`);
  const gone = KNOWN_EXCEPTIONS.filter((k) => !broken.has(k)).map((k) => `  ${k}`);
  const report = [
    ...(added.length ? ['new imports break the layer table:', ...added] : []),
    ...(gone.length ? ['these imports no longer break the layer table: remove them from KNOWN_EXCEPTIONS:', ...gone] : []),
  ];
  assert.equal(report.length, 0, report.join('\n'));
});

test('the checker tells type imports from value imports', () => {
  const typeOnly: Edge = { from: 'config/x.ts', to: 'tls/types.ts', typeOnly: true };
  assert.equal(ruleBroken(typeOnly), undefined);
  assert.match(ruleBroken({ ...typeOnly, typeOnly: false }) ?? '', /only types from tls/);
  assert.match(ruleBroken({ from: 'transport/a.ts', to: 'message/b.ts', typeOnly: true }) ?? '', /may not import message/);
  assert.match(ruleBroken({ from: 'core/a.ts', to: 'message/b.ts', typeOnly: false }) ?? '', /nothing of ours/);
  // parsed from real text: a whole-statement import type, an inline type specifier (still loads the module), export from, import()
  const text = "import type { A } from '../tls/types.ts';\nimport { type B } from '../tls/types.ts';\nexport * from '../message/x.ts';\nexport type { C } from '../syslog/y.ts';\nconst m = await import('../pipeline/z.ts');\nimport * as fs from 'node:fs';\n";
  const got = importsOf('core/probe.ts', text).map((e) => `${e.to} ${e.typeOnly}`);
  assert.deepEqual(got, ['tls/types.ts true', 'tls/types.ts false', 'message/x.ts false', 'syslog/y.ts true', 'pipeline/z.ts false']);
});
