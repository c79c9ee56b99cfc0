/**
 * `-s` and a start give the same answer for every option that is not simply
 * honoured (test/config/option-states.test.ts walks the rows in-process):
 *   - every warned row, all in one config: each warning is printed once by
 *     `logferry -s` and once when the daemon starts;
 *   - every refused row: `-s` and a start exit 1 with the same message.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LOGFERRY_MAIN, startLogferry } from '../helpers/daemon.ts';
import { runToExit, tempDir } from '../helpers/peers.ts';
import { PROBE_TEMPLATE, combos, entryFor, harness, type Combo } from '../config/option-states.lib.ts';
import { parseConfigText } from '../../src/config/index.ts';

function run(args: string[]) {
  return runToExit(process.execPath, [LOGFERRY_MAIN, ...args], { name: 'logferry', timeoutMs: 30_000 });
}

function count(haystack: string, needle: string): number {
  let n = 0;
  for (let i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + needle.length)) n++;
  return n;
}

/** all warned rows in one config; stdin() is left out (its end of input would stop the daemon) */
function warnedConfig(): { text: string; cases: Combo[] } {
  const parts: string[] = [];
  const cases: Combo[] = [];
  let n = 0;
  for (const c of combos()) {
    const e = entryFor(c);
    if (e?.state !== 'warned' || c.schema.name === 'stdin()') continue;
    cases.push(c);
    n++;
    if (c.side === 'global') {
      parts.push(harness(c, e.set, e, n).text.match(/^options \{ .* \};$/m)![0]);
      continue;
    }
    parts.push(harness(c, e.set, e, n).text.split(PROBE_TEMPLATE).join(''));
  }
  return { text: `@version: 4.27\n${PROBE_TEMPLATE}${parts.join('\n')}\n`, cases };
}

test('warned options: every warning is printed once by -s and once at start', async (t) => {
  const dir = tempDir('lf-optwarn');
  t.after(() => dir.remove());
  const cfg = path.join(dir.path, 'warned.conf');
  const { text, cases } = warnedConfig();
  fs.writeFileSync(cfg, text);
  const plan = parseConfigText(text, cfg);
  assert.ok(cases.length >= 30, `${cases.length} warned rows`);
  // each warned row has its warning among the plan's
  for (const c of cases) {
    const e = entryFor(c)!;
    const want = e.match ?? new RegExp(c.row);
    assert.ok(plan.warnings.some((w) => want.test(w)), `${c.key}: a warning matching ${want}`);
  }

  const check = await run(['-s', '-f', cfg]);
  assert.equal(check.exit.code, 0, check.stderr);
  const daemon = await startLogferry({ config: text, readyStderr: /starting up/ });
  let started: string;
  try {
    started = daemon.stderr();
  } finally {
    await daemon.stop();
  }
  const own = (w: string) => w.replace(cfg, daemon.configPath);
  for (const w of plan.warnings) {
    assert.equal(count(check.stderr, w), 1, `-s prints once: ${w}\n--- stderr:\n${check.stderr}`);
    assert.equal(count(started, own(w)), 1, `start prints once: ${own(w)}\n--- stderr:\n${started}`);
  }
});

/**
 * Refusals are thrown by the compiler, which `-s` and a start both run before
 * anything else; the in-process walk shows every refused row throws there.
 * Here a few kinds go through the real CLI: not implemented yet, not possible
 * on Node.js, in a nested block, and refused by the driver it is in
 * (disk-buffer() is in test/cli/cli.test.ts).
 */
const REFUSED_VIA_CLI = ['file() destination suppress', 'network() source ip-tos', 'tls() source allow-compress', 'tcp() destination tls'];

test('refused options: -s and a start exit 1 with the same message', async (t) => {
  const dir = tempDir('lf-optrefuse');
  t.after(() => dir.remove());
  const all = combos();
  const cases = REFUSED_VIA_CLI.map((k) => {
    const c = all.find((x) => x.key === k);
    assert.ok(c && entryFor(c)?.state === 'refused', `${k} is a refused row`);
    return c;
  });
  const failures: string[] = [];
  // two at a time: the machine is small
  for (let i = 0; i < cases.length; i += 2) {
    await Promise.all(
      cases.slice(i, i + 2).map(async (c, j) => {
        const e = entryFor(c)!;
        const cfg = path.join(dir.path, `refused${i + j}.conf`);
        fs.writeFileSync(cfg, `@version: 4.27\n${harness(c, e.set, e).text}`);
        const [check, start] = await Promise.all([run(['-s', '-f', cfg]), run(['-F', '-f', cfg])]);
        if (check.exit.code !== 1 || start.exit.code !== 1) failures.push(`${c.key}: exit codes -s ${check.exit.code}, start ${start.exit.code}`);
        else if (!/^Error in .*refused\d+\.conf:\d+:\d+: /.test(check.stderr) || (e.match && !e.match.test(check.stderr))) failures.push(`${c.key}: -s said ${check.stderr}`);
        else if (check.stderr.trim() !== start.stderr.trim()) failures.push(`${c.key}: -s said\n${check.stderr}\nbut start said\n${start.stderr}`);
      }),
    );
  }
  assert.deepEqual(failures, []);
});
