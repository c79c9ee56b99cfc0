/**
 * Every configuration block of the spec's examples.md (one file each in test/fixtures/examples/)
 * compiles (fragments are wrapped minimally; file paths are redirected into a temp dir that holds the
 * files). Blocks the spec itself calls invalid, or that need features
 * logferry refuses with a clear error, are asserted to fail that way.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, parseConfigText } from '../../src/config/index.ts';
import { tempDir } from './helpers.ts';
import { exampleBlocks } from '../helpers/fixtures.ts';

/** How a block is made into a whole configuration. */
function wrap(text: string): string | undefined {
  const t = text.trim();
  if (/^[A-Z][a-z]{2} [ 0-9]\d /.test(t)) return undefined; // a log line, not a config
  if (/^tls\(/.test(t)) return `destination d_frag { network("127.0.0.1" transport("tls") ${t}); };`;
  if (/^network\(/.test(t)) return `source s_frag { ${t.replace(/;\s*$/, '')}; };`;
  if (/^(cipher-suite|ecdh-curve-list|trusted-fingerprints|trusted-keys|trusted-dn)\(/.test(t)) {
    return `destination d_frag { network("127.0.0.1" transport("tls") tls(${t})); };`;
  }
  // §5 refers to objects "pre-existing in the respective configs"
  let extra = '';
  if (/destination\(d_local\)/.test(t)) extra += '\ndestination d_local { file("/var/log/messages"); };';
  if (/source\(src\)/.test(t)) extra += '\nsource src { internal(); };';
  return t + extra;
}

/** Blocks that must fail, by a substring of their text ⇒ expected message. */
const EXPECTED_FAILURES: Array<{ match: RegExp; message: string; why: string }> = [
  { match: /syslog-ng\.crt"\)\n\s*\);\n\s*\);/, message: "syntax error, unexpected ';' inside network()", why: 'examples.md §4.1: the published `;` after tls(...) is rejected' },
];

function redirectPaths(text: string, root: string): string {
  return text.replace(/(["'])(\/[^"'\n]*)\1/g, (_all, q: string, p: string) => {
    const real = path.join(root, p);
    if (/\.(key|pem|cert|crt|p12)$/.test(p)) {
      fs.mkdirSync(path.dirname(real), { recursive: true });
      if (!fs.existsSync(real)) fs.writeFileSync(real, '');
    }
    return `${q}${real}${q}`;
  });
}

test('examples.md (test/fixtures/examples): every configuration block compiles (or fails as the spec says)', (t) => {
  const root = tempDir(t);
  const blocks = exampleBlocks();
  assert.ok(blocks.length >= 30, `found ${blocks.length} blocks`);
  let compiled = 0;
  let failedAsExpected = 0;
  for (const b of blocks) {
    const wrapped = wrap(b.text);
    if (wrapped === undefined) continue;
    const cfg = redirectPaths(wrapped, root);
    const expected = EXPECTED_FAILURES.find((f) => f.match.test(b.text));
    const name = `examples.md §${b.section} block ${b.index} (test/fixtures/examples/${b.file})`;
    if (expected) {
      assert.throws(() => parseConfigText(cfg, name), (e: unknown) => e instanceof ConfigError && e.message.includes(expected.message), `${name}: ${expected.why}`);
      failedAsExpected++;
      continue;
    }
    try {
      const plan = parseConfigText(cfg, name);
      assert.ok(plan.sources.size + plan.destinations.size > 0, `${name} defines something`);
      compiled++;
    } catch (e) {
      assert.fail(`${name} did not compile: ${e instanceof Error ? e.message : String(e)}\n${cfg}`);
    }
  }
  assert.ok(compiled >= 30, `compiled ${compiled}`);
  // §4.1 as published (the `;` after tls(...)); the disk-buffer() examples of §6.2 compile
  assert.equal(failedAsExpected, 1);
});

test('examples.md §3.3: syslog() + tls without port() listens on 6514', (t) => {
  const root = tempDir(t);
  fs.writeFileSync(path.join(root, 'server.p12'), '');
  const plan = parseConfigText(
    `source s_tls { syslog(transport(tls) tls(pkcs12-file("${root}/server.p12") ca-dir("/path/to/cadir") peer-verify(yes))); };`,
    'x.conf',
  );
  const o = plan.sources.get('s_tls')!.drivers[0].options.values;
  assert.equal(o.port, 6514);
  assert.equal(o.transport, 'tls');
  const tls = o.tls;
  assert.ok(typeof tls === 'object' && !Array.isArray(tls) && tls.kind === 'block');
  assert.equal(tls.values['peer-verify'], 'required-trusted');
});

test('examples.md §3.1: network() + tls without port() connects to 514', (t) => {
  const root = tempDir(t);
  fs.writeFileSync(path.join(root, 'test.p12'), '');
  const plan = parseConfigText(
    `destination d { network("example.com" transport(tls) tls(pkcs12-file("${root}/test.p12") peer-verify(yes) ocsp-stapling-verify(yes))); };`,
    'x.conf',
  );
  const d = plan.destinations.get('d')!.drivers[0];
  assert.deepEqual(d.positional, ['example.com']);
  assert.equal(d.options.values.port, 514);
});
