/**
 * bin/logferry.cjs, the `logferry` command: on a Node.js too old to run
 * logferry it prints one line (what is needed, what runs, how to get it)
 * and exits 1, instead of a SyntaxError from the daemon's modules.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { REPO_ROOT, runToExit, tempDir } from '../helpers/peers.ts';

const ENTRY = path.join(REPO_ROOT, 'bin', 'logferry.cjs');
const entry = createRequire(import.meta.url)(ENTRY) as {
  nodeVersionProblem(version: string, execPath: string, nodeScript?: string): string | undefined;
  mainModule(root: string, canStripTypes: boolean): string | undefined;
};

test('package.json runs the command through the version-checking entry and asks for a Node with process.execve', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string>; engines: { node: string }; files: string[] };
  assert.equal(pkg.bin.logferry, 'bin/logferry.cjs');
  assert.equal(pkg.engines.node, '^22.15.0 || >=23.11.0');
  for (const f of ['bin', 'dist', 'openssl', 'scripts/node.sh']) assert.ok(pkg.files.includes(f), `package files include ${f}`);
});

test('the version check accepts exactly the Node.js releases that have process.execve', () => {
  for (const ok of ['v22.15.0', 'v22.21.1', 'v23.11.0', 'v24.0.0', 'v24.21.0', 'v26.1.0', '22.15.0']) {
    assert.equal(entry.nodeVersionProblem(ok, '/x/node'), undefined, ok);
  }
  for (const old of ['v20.20.2', 'v22.12.0', 'v22.14.9', 'v23.10.0', 'v18.19.1', 'v0.10.48', 'garbage']) {
    assert.ok(entry.nodeVersionProblem(old, '/x/node'), old);
  }
});

test('the old-Node message is one line naming the needed and the running Node and how to get one', () => {
  const msg = entry.nodeVersionProblem('v20.20.2', '/usr/bin/node', '/opt/logferry/scripts/node.sh');
  assert.ok(msg);
  assert.doesNotMatch(msg, /\n/);
  assert.match(msg, /needs Node\.js >= 22\.15/);
  assert.match(msg, /this is Node\.js v20\.20\.2 \(\/usr\/bin\/node\)/);
  assert.match(msg, /https:\/\/nodejs\.org/);
  assert.match(msg, /bash \/opt\/logferry\/scripts\/node\.sh/);
  // without the script (it is not there) the message does not point at it
  assert.doesNotMatch(entry.nodeVersionProblem('v20.20.2', '/usr/bin/node') ?? '', /node\.sh/);
});

test('the entry runs the sources in a checkout when Node strips types, else the build', (t) => {
  const dir = tempDir('lf-entry');
  t.after(() => dir.remove());
  const src = path.join(dir.path, 'src', 'cli', 'main.ts');
  const dist = path.join(dir.path, 'dist', 'cli', 'main.js');
  assert.equal(entry.mainModule(dir.path, true), undefined);
  fs.mkdirSync(path.dirname(dist), { recursive: true });
  fs.writeFileSync(dist, '');
  assert.equal(entry.mainModule(dir.path, true), dist);
  fs.mkdirSync(path.dirname(src), { recursive: true });
  fs.writeFileSync(src, '');
  assert.equal(entry.mainModule(dir.path, true), src);
  assert.equal(entry.mainModule(dir.path, false), dist);
  // installed as a dependency: Node will not strip types there
  const installed = path.join(dir.path, 'node_modules', 'logferry');
  fs.mkdirSync(path.join(installed, 'src', 'cli'), { recursive: true });
  fs.mkdirSync(path.join(installed, 'dist', 'cli'), { recursive: true });
  fs.writeFileSync(path.join(installed, 'src', 'cli', 'main.ts'), '');
  fs.writeFileSync(path.join(installed, 'dist', 'cli', 'main.js'), '');
  assert.equal(entry.mainModule(installed, true), path.join(installed, 'dist', 'cli', 'main.js'));
});

function assertOldNodeRefusal(r: { exit: { code: number | null }; stdout: string; stderr: string }, version: string): void {
  assert.equal(r.exit.code, 1, r.stderr);
  assert.equal(r.stdout, '', 'nothing of the daemon ran (no --help text)');
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line, got:\n${r.stderr}`);
  assert.match(lines[0], new RegExp(`^logferry needs Node\\.js >= 22\\.15 .*this is Node\\.js ${version.replace(/\./g, '\\.')} `));
  assert.match(lines[0], /scripts\/node\.sh/);
  assert.doesNotMatch(r.stderr, /SyntaxError|\n\s+at /);
}

/** A Node.js older than 22.15 on this machine (the distribution's /usr/bin/node on CI), if any. */
function oldNode(): { bin: string; version: string } | undefined {
  const candidates = new Set(['/usr/bin/node', '/usr/local/bin/node']);
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) if (dir) candidates.add(path.join(dir, 'node'));
  for (const bin of candidates) {
    if (!fs.existsSync(bin)) continue;
    let version: string;
    try {
      version = execFileSync(bin, ['-p', 'process.version'], { encoding: 'utf8', timeout: 10_000 }).trim();
    } catch {
      continue;
    }
    if (entry.nodeVersionProblem(version, bin)) return { bin, version };
  }
  return undefined;
}

const old = oldNode();

test('a real old Node.js running the entry gets the one line and exit code 1, not a SyntaxError', { skip: old ? false : 'no Node.js older than 22.15 on this machine (the next test covers the same path)' }, async () => {
  const r = await runToExit(old!.bin, [ENTRY, '--help'], { name: 'logferry on old node', timeoutMs: 20_000 });
  assertOldNodeRefusal(r, old!.version);
});

test('the entry stops before loading the daemon when the running Node reports an old version', async (t) => {
  // the current Node made to report v20: the same code path on any machine
  const dir = tempDir('lf-entry-old');
  t.after(() => dir.remove());
  const preload = path.join(dir.path, 'pretend-node20.cjs');
  fs.writeFileSync(preload, "Object.defineProperty(process, 'version', { value: 'v20.20.2' });\n");
  const r = await runToExit(process.execPath, ['--require', preload, ENTRY, '--help'], { name: 'logferry pretending node 20', timeoutMs: 20_000 });
  assertOldNodeRefusal(r, 'v20.20.2');
});

test('on a supported Node the entry runs the command', async () => {
  const r = await runToExit(process.execPath, [ENTRY, '--help'], { name: 'logferry --help', timeoutMs: 20_000 });
  assert.equal(r.exit.code, 0, r.stderr);
  assert.match(r.stdout, /^Usage: logferry/);
});
