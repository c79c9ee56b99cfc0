/**
 * Where the tests' data lives: test/fixtures/, found from this file's location so the suite runs
 * from any checkout, with nothing outside the repository.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

/** The public syslog test vectors (sources and format: test/fixtures/README.md). */
export const VECTORS_FILE = join(FIXTURES_DIR, 'syslog-vectors.public.jsonl');

export const EXAMPLES_DIR = join(FIXTURES_DIR, 'examples');

export interface ExampleBlock {
  /** file name, `<section>-<n>.<ext>` */
  file: string;
  /** examples.md section id, e.g. "1.2" */
  section: string;
  /** 1-based position of the block inside its section */
  index: number;
  text: string;
}

/** Every example block, in examples.md order (section numbers compared numerically, then index). */
export function exampleBlocks(): ExampleBlock[] {
  const blocks: ExampleBlock[] = [];
  for (const file of readdirSync(EXAMPLES_DIR)) {
    const m = /^(\d+(?:\.\d+)*)-(\d+)\.(conf|txt)$/.exec(file);
    if (m === null) continue;
    blocks.push({ file, section: m[1]!, index: Number(m[2]), text: readFileSync(join(EXAMPLES_DIR, file), 'utf8') });
  }
  const key = (b: ExampleBlock): number[] => [...b.section.split('.').map(Number), 0, 0].slice(0, 3).concat(b.index);
  return blocks.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i]! - kb[i]!;
    return 0;
  });
}

/** The blocks of one examples.md section, in order. */
export function exampleSection(section: string): string[] {
  return exampleBlocks().filter((b) => b.section === section).map((b) => b.text);
}
