// Every command in README.md, run. The commands are read from the README's shell code blocks at test time
// (```sh / ```bash / ```shell / ```console / ```cron fences: lines starting with `outreach`, `npx outreach`,
// `$ outreach`, chains with && and pipes, crontab lines (their command part), and `outreach ...` commands quoted
// in a line's trailing comment, e.g. "# then: outreach score --explain DOMAIN"), so the README cannot drift:
//
//  1. Static: every `outreach` invocation resolves to a real command and subcommand with real flags (checked
//     against the program's own commander tree), and the list covers the walkthrough (init ... leads export).
//  2. Run: each line of the walkthrough and the crontab, in README order, is run by bash in a fresh folder with
//     `outreach` on PATH (a shim that execs bin/outreach, the built binary), against real loopback components:
//     the fixture web (test/helpers/fixture-web.ts, stores named `<site>.test:PORT`, which a NODE_OPTIONS
//     preload resolves to 127.0.0.1 in the outreach processes), a fake Brave Search API (BRAVE_BASE_URL), a fake
//     Claude API (ANTHROPIC_BASE_URL), a DNS server for SPF/DKIM/DMARC/MX (OUTREACH_DNS_SERVERS), a loopback
//     HTTP server as the unsubscribe URL, and the real Postfix + Dovecot (test/helpers/mailstack.ts). Each line
//     must exit 0, and the main steps are checked for their effect (leads, facts, drafts, a message in the
//     recipient's mailbox, a WARM reply after `inbox sync`, the HTML report, the Excel CSV, the pipe's output).
//
// What cannot be real here is rewritten by the SUBSTITUTIONS table below (hosts → 127.0.0.1:port, placeholder
// keys → the fakes' keys, --allow-private for loopback stores); each entry must still match the README.
// `$EDITOR` runs a scripted editor that fills in the sender and sending rules. `draft review` (interactive)
// is driven in a pseudo-terminal (util-linux `script`), pressing Enter (approve) at each draft.
// Not run here: npm/bash/git lines (see SKIPPED), and `npx outreach demo`, which test/cli/demo.test.ts runs;
// its line is parse-checked and `outreach demo --help` is run.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command, Option } from 'commander';
import { Database } from '../../src/db/driver.js';
import { startAuthDns, type AuthDns } from '../helpers/dns-auth-zone.js';
import { BIN, ROOT, runCli, runProcess, tempDir } from '../helpers/cli.js';
import { buildProgram } from '../../src/cli/main.js';
import { startFixtureWeb, type FixtureWeb } from '../helpers/fixture-web.js';
import { startFakeSearch, FAKE_KEY, type FakeSearch } from '../helpers/fake-search.js';
import { startFakeAnthropic, type FakeAnthropic } from '../helpers/fake-anthropic.js';
import { startMailstack, mailstackAvailable, type Mailstack } from '../helpers/mailstack.js';
import { startHttp, type HttpHandle } from '../helpers/http.js';

// ---------------------------------------------------------------------------------------------------------
// Extraction

export interface ReadmeLine {
  /** 1-based line number in README.md (of the first physical line). */
  line: number;
  /** The shell text (continuations joined, prompt and trailing comment removed, cron schedule removed). */
  text: string;
  from: 'code' | 'comment' | 'cron';
}

const SHELL_FENCES = new Set(['sh', 'bash', 'shell', 'console', 'cron', 'crontab']);

/** Index of an unquoted ` #` comment start, or -1. */
function commentStart(s: string): number {
  let q: string | null = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (q) {
      if (c === q) q = null;
      else if (c === '\\' && q === '"') i++;
      continue;
    }
    if (c === "'" || c === '"') q = c;
    else if (c === '\\') i++;
    else if (c === '#' && (i === 0 || /\s/.test(s[i - 1]!))) return i;
  }
  return -1;
}

export function extractCommands(md: string): ReadmeLine[] {
  const lines = md.split('\n');
  const out: ReadmeLine[] = [];
  let fence: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const f = /^\s*```\s*([\w-]*)/.exec(raw);
    if (f) {
      fence = fence === null ? f[1]!.toLowerCase() || 'text' : null;
      continue;
    }
    if (fence === null || !SHELL_FENCES.has(fence)) continue;
    const start = i;
    let text = raw;
    while (/\\\s*$/.test(text) && i + 1 < lines.length) text = text.replace(/\\\s*$/, ' ') + lines[++i]!.trim();
    text = text.trim();
    if (fence === 'console') {
      if (!text.startsWith('$ ')) continue; // output, not a command
    }
    text = text.replace(/^\$\s+(?=\S)/, ''); // a "$ " prompt (but not "$EDITOR")
    if (!text || text.startsWith('#')) continue;
    const c = commentStart(text);
    let comment = '';
    if (c >= 0) {
      comment = text.slice(c + 1).trim();
      text = text.slice(0, c).trim();
    }
    let from: ReadmeLine['from'] = 'code';
    const cron = /^((?:\S+\s+){4}\S+)\s+(.*)$/.exec(text);
    if ((fence === 'cron' || fence === 'crontab') && cron) {
      text = cron[2]!;
      from = 'cron';
    } else if (/^@(reboot|yearly|annually|monthly|weekly|daily|hourly)\s/.test(text)) {
      text = text.replace(/^@\w+\s+/, '');
      from = 'cron';
    }
    if (text) out.push({ line: start + 1, text, from });
    // A command quoted in the comment: "# then: outreach score --explain x", "# or pipe: outreach leads export | y"
    const quoted = /(?:^|:\s+)((?:npx\s+)?outreach\s+[a-z].*)$/.exec(comment);
    if (quoted) out.push({ line: start + 1, text: quoted[1]!.trim(), from: 'comment' });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Shell words: enough of sh to find each simple command of a line and its arguments.

interface SimpleCommand {
  words: string[];
}

export function simpleCommands(line: string): SimpleCommand[] {
  const cmds: SimpleCommand[] = [];
  let words: string[] = [];
  let word: string | null = null;
  let dropNext = false;
  const endWord = () => {
    if (word === null) return;
    if (dropNext) dropNext = false; // the target of a redirection
    else words.push(word);
    word = null;
  };
  const endCmd = () => {
    endWord();
    if (words.length) cmds.push({ words });
    words = [];
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'" || c === '"') {
      const close = line.indexOf(c, i + 1);
      word = (word ?? '') + line.slice(i + 1, close === -1 ? undefined : close);
      i = close === -1 ? line.length : close;
    } else if (c === '\\') {
      word = (word ?? '') + (line[++i] ?? '');
    } else if (/\s/.test(c)) {
      endWord();
    } else if ('|&;<>'.includes(c)) {
      let op = c;
      while (i + 1 < line.length && '|&;<>'.includes(line[i + 1]!)) op += line[++i];
      if (op.includes('<') || op.includes('>')) {
        if (word !== null && /^\d+$/.test(word)) word = null; // "2>"
        endWord();
        if (op.endsWith('&')) {
          // 2>&1: the fd that follows is not a word
          while (i + 1 < line.length && /\d/.test(line[i + 1]!)) i++;
        } else dropNext = true;
      } else endCmd();
    } else {
      word = (word ?? '') + c;
    }
  }
  endCmd();
  return cmds;
}

/** The arguments after `outreach` (or `npx outreach`) in a simple command, or null. */
function outreachArgs(words: string[]): string[] | null {
  if (words[0] === 'outreach') return words.slice(1);
  if (words[0] === 'npx' && words[1] === 'outreach') return words.slice(2);
  return null;
}

// ---------------------------------------------------------------------------------------------------------
// Static check of one invocation against the program's own command tree.

export function resolveInvocation(program: Command, args: string[]): { path: string; errors: string[] } {
  const errors: string[] = [];
  const chain: Command[] = [program];
  let cmd = program;
  const positionals: string[] = [];
  const findOption = (name: string): Option | undefined => {
    for (let k = chain.length - 1; k >= 0; k--) {
      const o = chain[k]!.options.find((x) => x.long === name || x.short === name);
      if (o) return o;
    }
    return undefined;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') break;
    if (a.startsWith('-') && a !== '-') {
      const name = a.includes('=') ? a.slice(0, a.indexOf('=')) : a;
      if (name === '--help' || name === '-h') continue;
      const o = findOption(name);
      if (!o) {
        errors.push(`unknown option ${name} for "${chain.map((c) => c.name()).join(' ')}"`);
        continue;
      }
      if ((o.required || o.optional) && !a.includes('=')) {
        const v = args[i + 1];
        if (o.required && (v === undefined || (v.startsWith('-') && v !== '-'))) errors.push(`option ${name} needs a value`);
        else if (v !== undefined && !(v.startsWith('-') && v !== '-')) i++;
      }
      continue;
    }
    if (positionals.length === 0) {
      const sub = cmd.commands.find((c) => c.name() === a || c.aliases().includes(a));
      if (sub) {
        cmd = sub;
        chain.push(sub);
        continue;
      }
    }
    positionals.push(a);
  }
  const path = chain.slice(1).map((c) => c.name()).join(' ');
  const hasAction = Boolean((cmd as unknown as { _actionHandler: unknown })._actionHandler);
  if (cmd === program) errors.push(`no command: "${args.join(' ')}"`);
  else if (!hasAction && cmd.commands.length) errors.push(`"${path}" needs a subcommand (${cmd.commands.map((c) => c.name()).join(', ')}); got "${positionals[0] ?? ''}"`);
  else {
    const declared = cmd.registeredArguments;
    const variadic = declared.some((d) => d.variadic);
    if (!variadic && positionals.length > declared.length) errors.push(`"${path}" takes ${declared.length} argument(s); README gives ${positionals.join(' ')}`);
    const needed = declared.filter((d) => d.required).length;
    if (positionals.length < needed) errors.push(`"${path}" needs ${needed} argument(s)`);
  }
  return { path, errors };
}

// ---------------------------------------------------------------------------------------------------------
// What is not run, and why; what is rewritten, and why.

/** Lines whose first simple command starts so are not run by this test. */
const SKIPPED: { start: RegExp; why: string }[] = [
  { start: /^npm ci\b/, why: 'installs dependencies: the test runs inside an installed checkout (global setup builds dist/)' },
  { start: /^npm test\b/, why: 'the whole suite; this test is part of it' },
  { start: /^npm run\b/, why: 'an npm script (bench, crash test, mail eval, migration generation): only checked to exist in package.json' },
  { start: /^npm install\b/, why: 'changes the machine (global install)' },
  { start: /^bash \.ci\/run\b/, why: 'what CI runs (the whole suite, and as root an apt install): only checked to exist' },
  { start: /^git\b/, why: 'changes git state' },
];
/** outreach invocations that are parse-checked but not run, with the reason. */
const NOT_RUN: { args: RegExp; why: string }[] = [
  { args: /^demo\b/, why: 'test/cli/demo.test.ts runs `outreach demo` (about 20 s); here: parse check and `outreach demo --help`' },
];

interface Servers {
  ms: Mailstack;
  web: FixtureWeb;
  brave: FakeSearch;
  claude: FakeAnthropic;
  unsub: HttpHandle;
}

/** The one jewelry store of the fixture web: README's example store (aurora-rings.com) stands for it. */
const JEWELRY_SITE = 'liquid-old';
/** What the fake search engine answers for "jewelry": Shopify stores (and two that are not) of the fixture web. */
const SEARCH_SITES = ['liquid-old', 'liquid-new', 'hydrogen', 'password', 'woocommerce', 'wix'];

interface Substitution {
  find: string;
  replace: (s: Servers) => string;
  why: string;
}

const SUBSTITUTIONS: Substitution[] = [
  {
    find: 'ANA_SMTP_PASSWORD=app-password-here',
    replace: (s) => `ANA_SMTP_PASSWORD=${s.ms.users.alice.pass}`,
    why: 'placeholder password: the loopback Postfix/Dovecot account password',
  },
  {
    find: '--smtp-host smtp.gmail.com --smtp-security tls',
    replace: (s) => `--smtp-host 127.0.0.1 --smtp-port ${s.ms.smtpPort} --smtp-security none --smtp-user ${s.ms.users.alice.user}`,
    why: 'Gmail cannot be reached here: the loopback Postfix (plain SMTP + AUTH), logging in as its test user',
  },
  {
    find: '--imap-host imap.gmail.com',
    replace: (s) => `--imap-host 127.0.0.1 --imap-port ${s.ms.imapPort} --imap-security none`,
    why: 'the loopback Dovecot instead of Gmail',
  },
  {
    find: "BRAVE_API_KEY=...",
    replace: () => `BRAVE_API_KEY=${FAKE_KEY}`,
    why: 'placeholder key: the fake Brave API (reached through BRAVE_BASE_URL) accepts this one',
  },
  {
    find: 'outreach discover ',
    replace: () => 'outreach discover --allow-private --delay 0 ',
    why: 'the stores are on 127.0.0.1 (refused without --allow-private); no politeness delay against our own servers',
  },
  {
    find: 'outreach enrich',
    replace: () => 'outreach enrich --allow-private --delay 0',
    why: 'the stores are on 127.0.0.1; no politeness delay against our own servers',
  },
  {
    find: 'outreach run ',
    replace: () => 'outreach run --allow-private ',
    why: 'the stores are on 127.0.0.1',
  },
  {
    find: 'aurora-rings.com',
    replace: (s) => s.web.domain(JEWELRY_SITE),
    why: "the README's example store: the fixture web's jewelry store, whose lead key is liquid-old.test:PORT",
  },
  {
    find: '| your-tool',
    replace: () => '| cat > piped.csv',
    why: 'a placeholder for the reader\'s own program: the output is kept and checked',
  },
  {
    find: 'outreach serve',
    replace: () => 'outreach serve --port 0',
    why: 'port 8080 may be taken on a shared machine; the server is stopped once it answers /healthz',
  },
];

function substitute(text: string, s: Servers | null): { text: string; used: Substitution[] } {
  const used: Substitution[] = [];
  let t = text;
  for (const sub of SUBSTITUTIONS) {
    if (!t.includes(sub.find)) continue;
    used.push(sub);
    t = t.split(sub.find).join(s ? sub.replace(s) : sub.find);
  }
  return { text: t, used };
}

// ---------------------------------------------------------------------------------------------------------
// The static part: always runs.

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const ENTRIES = extractCommands(README);
const PROGRAM = buildProgram();
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

/** Why a line is not run (every reason of its commands), or null when it is run. */
function skipReason(e: ReadmeLine): string | null {
  const cmds = simpleCommands(e.text);
  const first = cmds[0]?.words.join(' ') ?? '';
  const why = SKIPPED.find((s) => s.start.test(first))?.why;
  if (!why) return null;
  const more = cmds.flatMap((c) => {
    const a = outreachArgs(c.words);
    const n = a && NOT_RUN.find((x) => x.args.test(a.join(' ')));
    return n ? [`${c.words.join(' ')}: ${n.why}`] : [];
  });
  return [`${first}: ${why}`, ...more].join('; ');
}

/** Every outreach invocation in the README's shell blocks, with the command path it resolves to. */
const INVOCATIONS = ENTRIES.flatMap((e) =>
  simpleCommands(e.text)
    .map((c) => outreachArgs(c.words))
    .filter((a): a is string[] => a !== null)
    .map((args) => ({ entry: e, args, ...resolveInvocation(PROGRAM, args) })),
);

describe('README commands (static)', () => {
  it('finds the walkthrough in the README: init, mailbox add, doctor, discover ... leads export', () => {
    const paths = new Set(INVOCATIONS.map((i) => i.path));
    for (const p of ['init', 'mailbox add', 'doctor', 'discover', 'enrich', 'score', 'campaign create', 'draft', 'draft review', 'send', 'run', 'inbox sync', 'report', 'leads export']) {
      expect(paths, `README walkthrough lacks \`outreach ${p}\``).toContain(p);
    }
    expect(INVOCATIONS.length).toBeGreaterThanOrEqual(20);
    expect(ENTRIES.filter((e) => e.from === 'cron').length).toBeGreaterThanOrEqual(2);
    // The first screen: the two commands a newcomer types.
    const firstBlock = ENTRIES.slice(0, 2).map((e) => e.text);
    expect(firstBlock).toEqual(['npm ci && npx outreach demo', 'bash .ci/run']);
  });

  it('every outreach command, subcommand and flag in the README exists', () => {
    const problems = INVOCATIONS.flatMap((i) => i.errors.map((err) => `README.md:${i.entry.line}: outreach ${i.args.join(' ')}: ${err}`));
    expect(problems).toEqual([]);
  });

  it('the extractor reads fences, prompts, continuations, cron lines, comments, pipes and redirections', () => {
    const md = [
      'text `outreach nope`',
      '```console',
      '$ outreach init --yes',
      'created .env',
      '```',
      '```sh',
      'outreach mailbox add a --email a@b.c \\',
      '  --test          # then: outreach doctor',
      'outreach leads export | head -3 > x.csv 2>&1',
      '```',
      '```cron',
      '*/5 * * * *  cd ~/o && outreach inbox sync >> inbox.log 2>&1',
      '```',
      '```js',
      'outreach not-shell',
      '```',
    ].join('\n');
    const got = extractCommands(md);
    expect(got).toEqual([
      { line: 3, text: 'outreach init --yes', from: 'code' },
      { line: 7, text: 'outreach mailbox add a --email a@b.c  --test', from: 'code' },
      { line: 7, text: 'outreach doctor', from: 'comment' },
      { line: 9, text: 'outreach leads export | head -3 > x.csv 2>&1', from: 'code' },
      { line: 12, text: 'cd ~/o && outreach inbox sync >> inbox.log 2>&1', from: 'cron' },
    ]);
    expect(simpleCommands(got[4]!.text).map((c) => c.words)).toEqual([['cd', '~/o'], ['outreach', 'inbox', 'sync']]);
    expect(simpleCommands(got[3]!.text).map((c) => c.words)).toEqual([['outreach', 'leads', 'export'], ['head', '-3']]);
    expect(simpleCommands(`echo 'A=b c' >> .env`).map((c) => c.words)).toEqual([['echo', 'A=b c']]);
    // The checker catches what is wrong.
    expect(resolveInvocation(PROGRAM, ['send', '--bogus']).errors).toEqual([expect.stringMatching(/unknown option --bogus/)]);
    expect(resolveInvocation(PROGRAM, ['sned']).errors).toEqual([expect.stringMatching(/no command/)]);
    expect(resolveInvocation(PROGRAM, ['leads']).errors).toEqual([expect.stringMatching(/needs a subcommand/)]);
    expect(resolveInvocation(PROGRAM, ['--db', 'x.db', 'report', '--format', 'html', '-o', 'r.html'])).toEqual({ path: 'report', errors: [] });
  });

  it('each substitution still matches a README command (the table cannot go stale)', () => {
    for (const sub of SUBSTITUTIONS) {
      const hits = ENTRIES.filter((e) => e.text.includes(sub.find));
      expect(hits.length, `substitution "${sub.find}" matches nothing in README.md's commands`).toBeGreaterThan(0);
    }
  });

  it('lines not run still name real things: the npm scripts and .ci/run exist', () => {
    for (const e of ENTRIES) {
      for (const c of simpleCommands(e.text)) {
        const w = c.words;
        if (w[0] === 'npm' && w[1] === 'run') expect(PKG.scripts, `README.md:${e.line}: npm run ${w[2]}`).toHaveProperty([w[2]!]);
        if (w[0] === 'npm' && w[1] === 'test') expect(PKG.scripts).toHaveProperty(['test']);
        if (w[0] === 'bash' && w[1]) expect(existsSync(join(ROOT, w[1])), `README.md:${e.line}: ${w[1]}`).toBe(true);
      }
    }
  });

  it('`npx outreach demo` (first screen) is a real command: its help runs', async () => {
    const demo = INVOCATIONS.find((i) => i.path === 'demo');
    expect(demo, 'the README no longer runs `npx outreach demo`').toBeDefined();
    const r = await runCli([...demo!.args, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: outreach demo/);
  });
});

function notRunReason(e: ReadmeLine): string | null {
  for (const c of simpleCommands(e.text)) {
    const a = outreachArgs(c.words);
    if (a) {
      const n = NOT_RUN.find((x) => x.args.test(a.join(' ')));
      if (n) return n.why;
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------------------
// The run: a solo operator's first week, line by line.

/** DNS for the sending domain (SPF, DKIM, DMARC, MX) and an MX for every other name (the stores' email domains). */
function startDns(domain: string): Promise<AuthDns> {
  const txt: Record<string, string[]> = {
    [domain]: ['v=spf1 ip4:127.0.0.1 -all'],
    [`_dmarc.${domain}`]: ['v=DMARC1; p=quarantine'],
    [`google._domainkey.${domain}`]: ['v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC'],
  };
  return startAuthDns((name) => ({ txt: txt[name], mx: name.startsWith('_') ? [] : [{ exchange: `mx.${name}`, priority: 10 }], a: ['127.0.0.1'] }));
}

const hasScript = spawnSync('script', ['--version']).status === 0;

describe.skipIf(!mailstackAvailable() && !process.env.CI)('README walkthrough and crontab, run line by line', () => {
  const t = tempDir('outreach-readme-');
  const home = t.dir;
  const work = join(home, 'outreach'); // the crontab lines `cd ~/outreach`
  const shim = join(home, 'bin');
  let s: Servers;
  let dns: { server: string; close(): Promise<void> };
  let env: Record<string, string>;
  const background: ChildProcess[] = [];

  beforeAll(async () => {
    mkdirSync(work);
    mkdirSync(shim);
    writeFileSync(join(shim, 'outreach'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
    chmodSync(join(shim, 'outreach'), 0o755);
    const [ms, web, claude, unsub, d] = await Promise.all([
      startMailstack({ domain: 'lima.studio' }),
      startFixtureWeb(),
      startFakeAnthropic(),
      startHttp((_req, res) => {
        res.end('unsubscribe');
      }),
      startDns('lima.studio'),
    ]);
    dns = d;
    const brave = await startFakeSearch('brave', (q) => (q.includes('jewelry') ? SEARCH_SITES.map((x) => `${web.url(x)}/`) : []));
    s = { ms, web, brave, claude, unsub };
    // The editor `$EDITOR outreach.yaml profile.yaml` opens: fills in what `init` left blank, as the README's
    // comment says (sender identity, unsubscribe.base_url), and sending rules that send right away.
    const editor = join(home, 'editor.mjs');
    writeFileSync(
      editor,
      `import { readFileSync, writeFileSync } from 'node:fs';
const files = process.argv.slice(2);
if (files.join(' ') !== 'outreach.yaml profile.yaml') { console.error('editor opened: ' + files.join(' ')); process.exit(1); }
let y = readFileSync('outreach.yaml', 'utf8');
const set = (key, value) => { const re = new RegExp('^(\\\\s*' + key + ': )("[^"]*"|\\\\[[^\\\\]]*\\\\]|[^\\\\s#]+)', 'm'); if (!re.test(y)) { console.error('no ' + key); process.exit(1); } y = y.replace(re, '$1' + value); };
set('name', '"Ana Lima"'); set('company', '"Lima Studio"'); set('email', '"ana@lima.studio"');
set('postal_address', '"1 Main St, Austin TX 78701, USA"'); set('sending_domain', '"lima.studio"');
set('base_url', ${JSON.stringify(JSON.stringify(unsub.url))});
set('days', '[mon, tue, wed, thu, fri, sat, sun]'); set('start', '"00:00"'); set('end', '"00:00"');
set('recipient_timezone', 'false'); set('min_gap_seconds', '0'); set('max_gap_seconds', '0'); set('per_domain_per_hour', '100');
writeFileSync('outreach.yaml', y);
`,
    );
    // The fixture stores are `<site>.test:PORT` on one host-routing server. `.test` is reserved for testing
    // (RFC 6761) and no resolver answers it, so the outreach processes get a preload that answers *.test with
    // 127.0.0.1, as the http adapter's hosts map does in the integration tests (search hits are never IP
    // literals: discover rightly drops them, so the stores need names).
    const preload = join(home, 'resolve-test-tld.mjs');
    writeFileSync(
      preload,
      `import dns from 'node:dns';
import dnsPromises from 'node:dns/promises';
import { syncBuiltinESMExports } from 'node:module';
const mine = (h) => /\\.test\\.?$/i.test(String(h));
const origP = dnsPromises.lookup;
dnsPromises.lookup = async (h, o) => (mine(h) ? (o && o.all ? [{ address: '127.0.0.1', family: 4 }] : { address: '127.0.0.1', family: 4 }) : origP(h, o));
const orig = dns.lookup;
dns.lookup = (h, o, cb) => {
  if (!mine(h)) return orig(h, o, cb);
  const callback = typeof o === 'function' ? o : cb;
  const all = typeof o === 'object' && o && o.all;
  process.nextTick(() => (all ? callback(null, [{ address: '127.0.0.1', family: 4 }]) : callback(null, '127.0.0.1', 4)));
};
syncBuiltinESMExports();
`,
    );
    // The user's environment: keys and endpoints of this test only (nothing of the developer's own).
    env = {};
    for (const [k, v] of Object.entries(process.env)) {
      if (v === undefined || /^(OUTREACH_|ANTHROPIC_|AWS_|BRAVE_|SERPER_|SERPAPI_|SEARXNG_)/.test(k)) continue;
      env[k] = v;
    }
    Object.assign(env, {
      HOME: home,
      PATH: `${shim}:${process.env.PATH}`,
      NO_COLOR: '1',
      EDITOR: `${process.execPath} ${editor}`,
      BRAVE_BASE_URL: brave.url,
      ANTHROPIC_API_KEY: claude.apiKey,
      ANTHROPIC_BASE_URL: claude.url,
      OUTREACH_DNS_SERVERS: dns.server,
      TERM: 'xterm',
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${pathToFileURL(preload).href}`.trim(),
    });
  }, 60_000);

  afterAll(async () => {
    for (const p of background) if (p.exitCode === null) p.kill('SIGKILL');
    await Promise.all([s?.ms.stop(), s?.web.close(), s?.brave.close(), s?.claude.close(), s?.unsub.close(), dns?.close()]);
    t.cleanup();
  });

  const sh = (line: string, timeoutMs = 45_000) => runProcess('bash', ['-o', 'pipefail', '-c', line], { cwd: work, env, timeoutMs }, line);

  const q = <T>(sql: string): T[] => {
    const db = new Database(join(work, 'outreach.db'), { readonly: true });
    try {
      return db.prepare(sql).all() as T[];
    } finally {
      db.close();
    }
  };
  const one = (sql: string): number => Number(Object.values(q<Record<string, unknown>>(sql)[0] ?? { n: 0 })[0]);

  /** `outreach serve`: runs until stopped; started in the background, checked on /healthz, stopped with SIGTERM. */
  async function runServer(line: string): Promise<void> {
    const child = spawn('bash', ['-c', `exec ${line}`], { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] });
    background.push(child);
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d) => (out += d));
    child.stderr!.setEncoding('utf8').on('data', (d) => (out += d));
    const url = await new Promise<string>((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`serve printed no URL:\n${out}`)), 20_000);
      const check = () => {
        const m = /http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          ok(`http://127.0.0.1:${m[1]}`);
        }
      };
      child.stdout!.on('data', check);
      child.stderr!.on('data', check);
      child.on('exit', (code) => fail(new Error(`serve exited ${code}:\n${out}`)));
    });
    const res = await fetch(`${url}/healthz`);
    expect(res.status).toBe(200);
    const dash = await fetch(`${url}/`, { redirect: 'manual' });
    expect(dash.status).toBeLessThan(500);
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((ok) => (child.exitCode !== null ? ok(child.exitCode) : child.once('exit', (c) => ok(c))));
    expect(code, out).toBe(0);
  }

  /** `outreach draft review` in a pseudo-terminal: Enter (approve, the first choice) at every draft. */
  async function runReview(line: string): Promise<{ code: number; out: string }> {
    const child = spawn('script', ['-qfec', line, '/dev/null'], { cwd: work, env, stdio: ['pipe', 'pipe', 'pipe'] });
    background.push(child);
    let out = '';
    let prompts = 0;
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const n = out.split('What now?').length - 1;
      while (prompts < n) {
        prompts++;
        setTimeout(() => child.stdin!.write('\r'), 100);
      }
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const code = await new Promise<number>((ok) => child.on('close', (c) => ok(c ?? 1)));
    clearTimeout(timer);
    return { code, out };
  }

  /** Set up what the world would have done before a line runs (mail arriving), keyed by the line's command. */
  async function before(args: string): Promise<void> {
    if (/^inbox sync\b/.test(args) && one(`SELECT count(*) FROM inbound`) === 0) {
      // A prospect answers the first email that was sent: threaded by In-Reply-To, into ana's (alice's) INBOX.
      const sent = q<{ message_id: string; to_email: string; subject: string }>(`SELECT message_id, to_email, subject FROM messages WHERE state = 'sent' ORDER BY id LIMIT 1`)[0];
      expect(sent, 'nothing was sent before inbox sync').toBeDefined();
      const raw = [
        `From: Maya <${sent!.to_email}>`,
        `To: ${s.ms.users.alice.user}`,
        `Subject: Re: ${sent!.subject}`,
        `Message-ID: <reply-1@prospect.example>`,
        `In-Reply-To: <${sent!.message_id}>`,
        `References: <${sent!.message_id}>`,
        `Date: ${new Date().toUTCString()}`,
        '',
        'Very interested! What would it cost? Can we talk tomorrow?',
        '',
      ].join('\r\n');
      await s.ms.deliver(raw, s.ms.users.alice.user);
      await s.ms.waitFor(s.ms.users.alice, 'INBOX', (m) => m.some((x) => x.messageId === '<reply-1@prospect.example>'));
    }
  }

  /** What each step must have done, beyond exit 0 (keyed by the command path). */
  async function after(args: string, r: { stdout: string; stderr: string }): Promise<void> {
    const out = r.stdout + r.stderr;
    if (/^init\b/.test(args)) for (const f of ['.env', 'outreach.yaml', 'profile.yaml', 'outreach.db']) expect(existsSync(join(work, f)), f).toBe(true);
    if (/^mailbox add\b/.test(args)) expect(out).toMatch(/pass\s+SMTP[\s\S]*pass\s+IMAP/);
    if (/^doctor\b/.test(args)) expect(out).not.toMatch(/FAIL/);
    if (/^discover\b/.test(args)) expect(one(`SELECT count(*) FROM leads WHERE is_shopify = 1`)).toBeGreaterThanOrEqual(3);
    if (/^enrich\b/.test(args)) expect(one(`SELECT count(*) FROM facts`)).toBeGreaterThan(10);
    if (/^score --explain\b/.test(args)) expect(r.stdout).toMatch(/fit/i);
    if (/^leads list\b/.test(args)) expect(r.stdout).toContain(s.web.domain(JEWELRY_SITE));
    if (/^draft --limit\b/.test(args)) {
      expect(one(`SELECT count(*) FROM drafts`)).toBeGreaterThan(0);
      expect(s.claude.stats.calls, 'drafts were written by the (fake) Claude API').toBeGreaterThan(0);
    }
    if (/^draft review\b/.test(args)) expect(one(`SELECT count(*) FROM drafts WHERE status = 'approved'`)).toBeGreaterThan(0);
    if (/^send$/.test(args) && !/--dry-run/.test(args)) {
      expect(one(`SELECT count(*) FROM messages WHERE state = 'sent'`)).toBeGreaterThan(0);
      const got = await s.ms.waitFor(s.ms.users.sink, 'INBOX', (m) => m.length > 0);
      expect(got.length).toBeGreaterThan(0);
    }
    if (/^inbox sync\b/.test(args)) {
      expect(q<{ label: string }>(`SELECT label FROM inbound`).map((x) => x.label)).toContain('WARM');
      expect(readFileSync(join(work, 'inbox.log'), 'utf8')).toMatch(/WARM reply from/);
    }
    if (/^report --format html/.test(args)) expect(readFileSync(join(work, 'report.html'), 'utf8')).toMatch(/<svg[\s>]/);
    if (/^leads export --min-fit/.test(args)) {
      const csv = readFileSync(join(work, 'hot-leads.csv'), 'utf8');
      expect(csv.charCodeAt(0)).toBe(0xfeff);
      expect(csv.split('\n').filter(Boolean).length).toBeGreaterThanOrEqual(2);
    }
    if (/^leads export$/.test(args) && existsSync(join(work, 'piped.csv'))) {
      expect(readFileSync(join(work, 'piped.csv'), 'utf8').split('\n').filter(Boolean).length).toBeGreaterThanOrEqual(3);
    }
  }

  for (const e of ENTRIES) {
    const skip = skipReason(e) ?? notRunReason(e);
    const title = `README.md:${e.line}${e.from === 'cron' ? ' (crontab)' : e.from === 'comment' ? ' (in a comment)' : ''}: ${e.text}`;
    if (skip) {
      it.skip(`${title}  [not run: ${skip}]`, () => {});
      continue;
    }
    it(title, async () => {
      const line = substitute(e.text, s).text;
      const invocations = simpleCommands(line).map((c) => outreachArgs(c.words)).filter((a): a is string[] => a !== null);
      for (const args of invocations) await before(args.join(' '));
      const isServe = invocations.some((a) => a[0] === 'serve');
      const isReview = invocations.some((a) => a[0] === 'draft' && a[1] === 'review' && !a.includes('--approve-all'));
      if (isServe) return runServer(line);
      if (isReview && hasScript) {
        const r = await runReview(line);
        expect(r.code, r.out).toBe(0);
        expect(r.out).toMatch(/Review done: \d+ approved/);
        return after('draft review', { stdout: r.out, stderr: '' });
      }
      const r = await sh(isReview ? `${line} --approve-all` : line);
      if (process.env.README_TEST_DEBUG) console.log(`$ ${line}\n${r.stdout}\n${r.stderr}`);
      expect(r.code, `${line}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`).toBe(0);
      // "`inbox sync` and `send` are quiet when there is nothing to do" (cron mails any output): here nothing is
      // due (the follow-up waits 3 business days, the lead replied), and inbox sync's output goes to its log.
      if (e.from === 'cron' && invocations.some((a) => a[0] === 'send' || (a[0] === 'inbox' && a[1] === 'sync'))) expect(r.stdout + r.stderr).toBe('');
      // A `run --quiet` from cron prints nothing either when every stage succeeds (its stages' tables included).
      if (e.from === 'cron' && invocations.some((a) => a[0] === 'run' && a.includes('--quiet'))) expect(r.stdout).toBe('');
      // Checked by the README's own words (before substitution).
      for (const args of simpleCommands(e.text).map((c) => outreachArgs(c.words)).filter((a): a is string[] => a !== null)) await after(args.join(' '), r);
    });
  }
});
