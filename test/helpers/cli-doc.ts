import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './peers.ts';

/**
 * The fenced ```text block right after `<!-- help: WORDS -->` in docs/cli.md,
 * or undefined when the doc has no such block: the one reader the `--help`
 * tests of every subcommand share, so the doc has one format.
 */
export function documentedHelp(words: string): string | undefined {
  const doc = readFileSync(join(REPO_ROOT, 'docs', 'cli.md'), 'utf8');
  const marker = `<!-- help: ${words} -->\n\`\`\`text\n`;
  const at = doc.indexOf(marker);
  if (at < 0) return undefined;
  const start = at + marker.length;
  const end = doc.indexOf('```\n', start);
  return end < 0 ? undefined : doc.slice(start, end);
}
