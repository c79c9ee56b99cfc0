/**
 * `npm run docs`: writes docs/options.md from the option schema tables
 * (test/cli/options-doc.test.ts fails while the committed file differs).
 * Usage: node scripts/gen-options-doc.ts [OUTPUT]  (default: docs/options.md in the repository)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { OPTIONS_DOC_PATH, optionsMarkdown } from '../src/cli/option-docs.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = process.argv[2] ?? path.join(root, OPTIONS_DOC_PATH);
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, optionsMarkdown());
process.stdout.write(`wrote ${path.relative(process.cwd(), out) || out}\n`);
