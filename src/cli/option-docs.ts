/**
 * The option reference, in two renderings of the same facts: terminal text
 * for `logferry --help-driver NAME` and the markdown of docs/options.md
 * (`npm run docs`). Both read only the schema tables.
 */
import { UNIMPLEMENTED_DRIVERS, type OptionSchema, type Side } from '../config/schema/index.ts';
import { optionFacts, type OptionFacts } from './option-facts.ts';
import { OPTION_TOPICS, findTopic, type OptionTopic } from './option-topics.ts';

export const OPTIONS_DOC_PATH = 'docs/options.md';

/** what each state word means, as [state, meaning] */
const STATE_LEGEND: readonly (readonly [string, string])[] = [
  ['honoured', 'logferry acts on it'],
  ['no effect; warns', 'accepted so syslog-ng configurations run, with one warning from -s and at start; nothing changes'],
  ['refused', 'a configuration error'],
  ['... unless X', 'X alone is accepted silently: it is what logferry does anyway'],
];

function positionalLines(schema: OptionSchema): string[] {
  return Object.entries(schema.positional ?? {}).map(([side, p]) => {
    const count = p.min === p.max ? `${p.min}` : `${p.min} to ${p.max}`;
    return `A ${side} takes ${count} positional argument${p.max === 1 ? '' : 's'} first: the ${p.what}.`;
  });
}

function sidesText(sides: readonly Side[]): string {
  return sides.map((s) => (s === 'global' ? 'options {}' : s)).join(', ');
}

function topicIntro(t: OptionTopic): string[] {
  const lines = [t.within.length ? `Written inside: ${t.within.join(', ')}.` : `Where: ${sidesText(t.sides)}.`];
  lines.push(...positionalLines(t.schema), ...t.fixed.map((f) => `${f}.`));
  return lines;
}

function factsOf(t: OptionTopic): OptionFacts[] {
  return t.schema.rows.map((r) => optionFacts(t.schema, r, t.sides));
}

function stateWord(f: OptionFacts): string {
  return f.state.kind === 'refused' ? 'error' : 'warning';
}

// ---- terminal ----

function rowText(f: OptionFacts): string[] {
  const lines = [`${f.name}()  [${sidesText(f.sides)}]`, `    ${f.doc}`, `    type: ${f.type}`];
  if (f.default !== undefined) lines.push(`    default: ${f.default}`);
  if (f.inherits) lines.push(`    inherits: ${f.inherits}`);
  if (f.default === undefined && !f.inherits) lines.push('    default: unset');
  if (f.aliases.length) lines.push(`    aliases: ${f.aliases.join(', ')}`);
  for (const o of f.obsolete) lines.push(`    obsolete spelling: ${o}`);
  if (f.block) lines.push(`    options: logferry --help-driver ${f.block.replace(/\(\)$/, '')}`);
  lines.push(`    state: ${f.state.label}`);
  if (f.state.message) lines.push(`    ${stateWord(f)}: ${f.state.message}`);
  return lines;
}

export function topicText(t: OptionTopic): string {
  const out = [`${t.title} options`, ...topicIntro(t).map((l) => `  ${l}`)];
  for (const f of factsOf(t)) out.push('', ...rowText(f).map((l) => `  ${l}`));
  out.push('', 'State:', ...STATE_LEGEND.map(([k, v]) => `  ${k}: ${v}.`));
  return out.join('\n') + '\n';
}

export function topicListText(): string {
  const out = ['Usage: logferry --help-driver NAME', '', 'Drivers and blocks with options (NAME):'];
  for (const t of OPTION_TOPICS) out.push(`  ${t.names.join(', ').padEnd(22)} ${t.title}${t.within.length ? ` (inside ${t.within.join(', ')})` : ''}`);
  out.push('', `syslog-ng drivers that logferry does not implement: ${UNIMPLEMENTED_DRIVERS.join(', ')}.`);
  return out.join('\n') + '\n';
}

/** `--help-driver [NAME]`: the text to print, or a one-line usage error and a hint. */
export function driverHelp(asked: string): { text: string } | { error: string; hint: string } {
  if (asked === '') return { text: topicListText() };
  const hit = findTopic(asked);
  if (hit.kind === 'topic') return { text: topicText(hit.topic) };
  if (hit.kind === 'unimplemented') {
    return { error: `${hit.name}() is a syslog-ng driver that logferry does not implement`, hint: "Try 'logferry --help-driver' for the drivers it has." };
  }
  return {
    error: `no driver or block named '${hit.name}'${hit.suggestion ? `; did you mean ${hit.suggestion}?` : ''}`,
    hint: `Known names: ${OPTION_TOPICS.flatMap((t) => t.names).join(', ')}.`,
  };
}

// ---- markdown ----

function md(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\*/g, '\\*').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function code(text: string): string {
  return '`' + text.replace(/\|/g, '\\|') + '`';
}

function anchor(t: OptionTopic): string {
  return t.names[0];
}

function rowMarkdown(f: OptionFacts): string {
  const name = [code(f.name), ...f.aliases.map((a) => `also ${code(a)}`), ...f.obsolete.map(md)].join('<br>');
  const dflt = [f.default === undefined ? '' : f.default.startsWith('(') ? md(f.default) : code(f.default), f.inherits ? `inherits ${md(f.inherits)}` : ''].filter((x) => x).join('<br>') || 'unset';
  const block = f.block ? `; see [${md(f.block)}](#${f.block.replace(/\(\)$/, '')})` : '';
  const state = md(f.state.label) + (f.state.message ? `: ${md(f.state.message)}` : '');
  return `| ${name} | ${md(f.type)} | ${dflt} | ${sidesText(f.sides)} | ${state} | ${md(f.doc)}${block} |`;
}

export function optionsMarkdown(): string {
  const out = [
    '# Configuration options',
    '',
    '<!-- Generated from src/config/schema/*.ts by `npm run docs`; do not edit by hand. -->',
    '',
    'Every option logferry accepts, per driver and block, read from the same tables that parse and check the',
    'configuration. `logferry --help-driver NAME` prints the same facts for one driver or block.',
    '',
    'State:',
    '',
    ...STATE_LEGEND.map(([k, v]) => `- **${md(k)}**: ${md(v)}.`),
    '',
    'Drivers and blocks:',
    '',
    ...OPTION_TOPICS.map((t) => `- [${md(t.title)}](#${anchor(t)})`),
    '',
  ];
  for (const t of OPTION_TOPICS) {
    out.push(`<a id="${anchor(t)}"></a>`, '', `## ${md(t.title)}`, '', ...topicIntro(t).map(md).join('\n').split('\n'), '');
    out.push('| option | type | default | where | state | description |', '|---|---|---|---|---|---|');
    for (const f of factsOf(t)) out.push(rowMarkdown(f));
    out.push('');
  }
  out.push('## Not implemented', '', `syslog-ng drivers that logferry does not implement (a configuration using them is refused): ${UNIMPLEMENTED_DRIVERS.map((d) => code(`${d}()`)).join(', ')}.`, '');
  return out.join('\n');
}
