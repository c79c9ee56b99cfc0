/**
 * Reload (SIGHUP) under 20 streaming TLS connections: the source is unchanged, the file
 * template changes. Every connection stays open (one accept each, the sender sees no error),
 * its lines switch to the new template, and nothing is lost (gap-free exact counts). Then a
 * config with a syntax error: one error line with file:line:col, the old config keeps running.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LOGFERRY_MAIN, startLogferry } from '../helpers/daemon.ts';
import { freePort } from '../helpers/ports.ts';
import { makePki, ManagedProcess, skipUnlessPeers, SNG_TEST_OPTIONS, sngString, sngTls, tempDir, watchUntil } from '../helpers/peers.ts';
import { expectRunLines, runSendCli, SENDER_TEMPLATE } from '../send/lib.ts';
import type { SendReport } from '../../src/send/report.ts';

const tagged = (word: string) => SENDER_TEMPLATE.replace('${MSG}', word);

function config(port: number, pki: { serverKey: string; serverCert: string; caDir: string }, out: string, template: string): string {
  return [
    '@version: 4.27',
    `options { ${SNG_TEST_OPTIONS} };`,
    `source s_tls { syslog(ip("127.0.0.1") port(${port}) transport(tls) max-connections(50) ${sngTls({ keyFile: pki.serverKey, certFile: pki.serverCert, caDir: pki.caDir, peerVerify: 'required-trusted' })}); };`,
    `destination d_out { file(${sngString(out)} template(${sngString(template)})); };`,
    'log { source(s_tls); destination(d_out); };',
    '',
  ].join('\n');
}

async function linesOf(file: string): Promise<string[]> {
  try {
    return (await readFile(file, 'latin1')).split('\n').filter((l) => l !== '');
  } catch {
    return [];
  }
}

const count = (text: string, re: RegExp) => text.split('\n').filter((l) => re.test(l)).length;

test('SIGHUP under 20 TLS streams: same connections, new template, none lost; a broken config keeps the old one and says where in one line', { skip: skipUnlessPeers('openssl'), timeout: 60_000 }, async (t) => {
  const tmp = tempDir('lf-reload');
  t.after(() => tmp.remove());
  const pki = await makePki(join(tmp.path, 'pki'), 'ec');
  const port = await freePort();
  const out = join(tmp.path, 'out.log');
  const d = await startLogferry({ readyPorts: [port], verbose: true, config: config(port, pki, out, tagged('before')) });
  t.after(() => d.stop());

  // every connection streams until told to stop (however late its handshake finished), so each one
  // is seen writing before the reload and again after it
  const send = new ManagedProcess(process.execPath, [LOGFERRY_MAIN, 'send', '127.0.0.1', String(port), '--ca-file', pki.caFile, '--cert', pki.client1Cert,
    '--key', pki.client1Key, '--connections', '20', '--duration', '60', '--rate', '2000', '--json'], { name: 'logferry send', captureStdout: true });
  t.after(() => send.stop(1000));
  const perSender = async (word: string) => {
    const n = new Map<string, number>();
    for (const l of await linesOf(out)) {
      const [sender, , w] = l.split(' ');
      if (w === word) n.set(sender, (n.get(sender) ?? 0) + 1);
    }
    return n;
  };
  const everyConnection = (word: string) =>
    watchUntil(out, async () => {
      const n = await perSender(word);
      return n.size === 20 && [...n.values()].every((k) => k >= 20) ? true : undefined;
    }, 20_000, async () => `${out}: lines '${word}' per sender ${JSON.stringify([...(await perSender(word))])}`);
  await everyConnection('before');
  writeFileSync(d.configPath, config(port, pki, out, tagged('after')));
  process.kill(d.pid, 'SIGHUP');
  const finished = await d.process.waitForStderr(/Configuration reload finished;[^\n]*/, 10_000);
  assert.match(finished, /sources='kept=1 restarted=0 added=0 removed=0'/, 'the unchanged TLS source is kept');
  assert.match(finished, /destinations='kept=0 restarted=1 added=0 removed=0'/, 'the changed file() is rebuilt');
  await everyConnection('after');

  // Ctrl-C ends the run cleanly: each stream is closed, and the receiver's close confirms it
  send.child.kill('SIGINT');
  let timer: NodeJS.Timeout | undefined;
  const exit = await Promise.race([send.exited, new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error('logferry send did not end within 20 s of SIGINT')), 20_000)))]);
  clearTimeout(timer);
  assert.equal(exit.code, 0, send.stderr);
  const rep = JSON.parse(send.stdout) as SendReport;
  assert.equal(rep.errors, 0, 'no connection failed');
  assert.equal(rep.connections.length, 20);
  assert.ok(rep.sent > 2000, `a stream, not a trickle: ${rep.sent}`);
  assert.equal(rep.acknowledged, rep.sent, 'every message confirmed by the clean close of its own connection');
  const lines = await expectRunLines(out, rep.run, rep.sent);

  // each connection's lines switch template once, at one sequence number, and never back
  const bySender = new Map<string, Array<[number, string]>>();
  for (const l of lines) {
    const [sender, seq, word] = l.split(' ');
    const list = bySender.get(sender) ?? [];
    list.push([Number(seq), word]);
    bySender.set(sender, list);
  }
  assert.equal(bySender.size, 20);
  for (const [sender, list] of bySender) {
    list.sort((a, b) => a[0] - b[0]);
    const firstAfter = list.findIndex(([, w]) => w === 'after');
    assert.ok(firstAfter > 0, `${sender}: lines before the reload, then lines with the new template (first 'after' at ${firstAfter})`);
    assert.ok(list.slice(0, firstAfter).every(([, w]) => w === 'before') && list.slice(firstAfter).every(([, w]) => w === 'after'), `${sender}: one switch`);
  }
  // the 20 connections were accepted once each: none was closed and reopened
  assert.equal(count(d.stderr(), /Syslog connection accepted/), 20, d.stderr());

  // a syntax error: one error line with file:line:col, and the running config goes on
  writeFileSync(d.configPath, config(port, pki, out, tagged('broken')).replace('log { source(s_tls);', 'log { source(s_tls) destination(d_out); };\nlog { sourc(s_tls);'));
  process.kill(d.pid, 'SIGHUP');
  const error = await d.process.waitForStderr(/Error reloading configuration[^\n]*/, 10_000);
  assert.match(error, new RegExp(`location='${d.configPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+'`), error);
  const again = await runSendCli(['127.0.0.1', String(port), '--ca-file', pki.caFile, '--cert', pki.client1Cert, '--key', pki.client1Key, '--connections', '2', '--count', '2000', '--json']);
  assert.equal(again.code, 0, again.stderr);
  const still = await expectRunLines(out, again.report!.run, 2000);
  assert.ok(still.every((l) => l.split(' ')[2] === 'after'), 'the last good config (template "after") still runs');
  assert.equal(count(d.stderr(), /Error reloading configuration/), 1, 'one error line');
  assert.equal(count(d.stderr(), /error|Error/), 1, `no other error line:\n${d.stderr()}`);
  assert.equal(count(d.stderr(), /Configuration reload finished/), 1, 'the broken config was not applied');

  // lines added above everything: where things are written does not count, the TLS source (its
  // tls() block now two lines further down) and the file() are kept, and new handshakes work
  writeFileSync(d.configPath, '# moved\n\n' + config(port, pki, out, tagged('after')));
  process.kill(d.pid, 'SIGHUP');
  await watchUntil(d.configPath, async () => (count(d.stderr(), /Configuration reload finished/) === 2 ? true : undefined), 10_000, async () => d.stderr());
  const shifted = d.stderr().split('\n').filter((l) => /Configuration reload finished/.test(l))[1];
  assert.match(shifted, /sources='kept=1 restarted=0 added=0 removed=0', destinations='kept=1 restarted=0 added=0 removed=0'/, shifted);
  const third = await runSendCli(['127.0.0.1', String(port), '--ca-file', pki.caFile, '--cert', pki.client1Cert, '--key', pki.client1Key, '--count', '100', '--json']);
  assert.equal(third.code, 0, third.stderr);
  await expectRunLines(out, third.report!.run, 100);
  assert.equal(count(d.stderr(), /Syslog connection accepted/), 20 + 2 + 1, 'only the later runs connected anew');
});
