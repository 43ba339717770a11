#!/usr/bin/env node
// `npm run bench -- hostile [--sizes 30000,300000]`: times the inbox's parse + offline classification (the same
// function `inbox sync` and `inbox import` run per message) on hostile messages built to make patterns backtrack:
// long runs with no '@', of spaces, of blank lines, of '>' quotes, huge headers. Prints ms per message at each
// size and flags any message over 1 s, or growing more than 3x faster than its size (superlinear): a pattern that
// rescans its input from every start position would stall a cron sync on one message.
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { analyzeOffline } = await import(pathToFileURL(join(root, 'dist/stages/inbox/analyze.js')).href);
const args = process.argv.slice(2);
const sizes = (args.includes('--sizes') ? args[args.indexOf('--sizes') + 1] : '30000,300000').split(',').map(Number);

const H = (from, subject, extra = '', type = 'text/plain') =>
  `From: ${from}\r\nTo: me@agency.test\r\nSubject: ${subject}\r\nMessage-ID: <h${Math.random()}@t>\r\n` +
  `Date: Sun, 29 Nov 2026 04:00:00 +0000\r\n${extra}MIME-Version: 1.0\r\nContent-Type: ${type}; charset=utf-8\r\n\r\n`;
const R = (from = 'kim@shop.test') => H(from, 'Re: your store');
const BOUNCE = () => H('MAILER-DAEMON@mx.shop.test', 'Undelivered Mail Returned to Sender');
const rep = (s, n) => s.repeat(Math.max(1, Math.floor(n / s.length)));
const inputs = {
  'one word': (n) => R() + rep('a', n),
  'word then @!': (n) => R() + rep('b', n) + '@!',
  'a@ repeated': (n) => R() + rep('a@', n),
  'a. repeated': (n) => R() + rep('a.', n),
  'Cc one word (≤ 60 KB)': (n) => H('kim@shop.test', 'Re: x', `Cc: ${rep('c', Math.min(n, 60_000))}\r\n`) + 'ok',
  'From one word': (n) => H(rep('f', n), 'Re: x') + 'ok',
  'From spaces': (n) => H(rep(' ', n) + '<kim@shop.test>', 'Re: x') + 'ok',
  'Subject one word': (n) => H('kim@shop.test', 'Re: ' + rep('s', n)) + 'ok',
  'blank lines': (n) => R() + rep('\r\n', n) + 'x',
  'space-CRLF lines': (n) => R() + rep(' \r\n', n) + 'x',
  'NBSP lines': (n) => R() + rep('\u00a0\n', n) + 'x',
  '> quote lines': (n) => R() + rep('> a\r\n', n),
  '>>> one line': (n) => R() + rep('>', n),
  '"no" lines': (n) => R() + rep('no\n', n),
  'spaces in a line': (n) => R() + 'hello' + rep(' ', n) + 'x',
  '= line': (n) => R() + rep('=', n),
  '- line': (n) => R() + rep('-', n),
  'signature': (n) => R() + 'hi\r\n-- \r\n' + rep('x\r\n', n),
  'On … wrote': (n) => R() + 'On ' + rep('a ', n) + 'wrote',
  'many headers': (n) => H('kim@shop.test', 'Re: x', rep('X-A: b\r\n', Math.min(n, 60_000))) + 'ok',
  'HTML open tags': (n) => H('kim@shop.test', 'Re: x', '', 'text/html') + rep('<div>', n),
  'HTML open attribute': (n) => H('kim@shop.test', 'Re: x', '', 'text/html') + '<a href="' + rep('x', n),
  'bounce, blank lines': (n) => BOUNCE() + rep('\r\n', n) + 'x',
  'bounce, one word': (n) => BOUNCE() + rep('d', n),
  'out of office, dates': (n) => H('kim@shop.test', 'Out of office') + rep('back on 1/1/2027 ', n),
  'unsubscribe repeated': (n) => R() + rep('unsubscribe ', n),
};

// Warm up the JIT and the lazy imports, so the first row is not charged with them.
for (let i = 0; i < 20; i++) await analyzeOffline(Buffer.from(R() + 'Sounds good, send me the pricing.'));

const flagged = [];
console.log(`parse + offline classification of one hostile message, ms (sizes: ${sizes.join(', ')} characters)`);
for (const [name, make] of Object.entries(inputs)) {
  const ms = [];
  let label = '';
  for (const n of sizes) {
    const src = Buffer.from(make(n));
    const t = performance.now();
    const a = await analyzeOffline(src);
    ms.push(performance.now() - t);
    label = a.c?.label ?? `error: ${a.classifyError}`;
  }
  const growth = ms.length > 1 ? ms[ms.length - 1] / Math.max(ms[0], 5) : 1;
  const sizeGrowth = sizes[sizes.length - 1] / sizes[0];
  const bad = ms.some((x) => x > 1000) || (ms[ms.length - 1] > 200 && growth > 3 * sizeGrowth);
  if (bad) flagged.push(name);
  console.log(`  ${name.padEnd(24)} ${ms.map((x) => x.toFixed(0).padStart(7)).join(' ')}   ${label}${bad ? '   SLOW' : ''}`);
}
console.log(flagged.length ? `\n${flagged.length} slow: ${flagged.join(', ')}` : '\nnone over 1 s, none superlinear');
process.exitCode = flagged.length ? 1 : 0;
