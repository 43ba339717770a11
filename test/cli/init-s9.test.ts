// `outreach init`, session 9 review (review-s9-issue2 defects 2 and 6): an existing .env without OUTREACH_SECRET gets
// one (that line only; everything else byte for byte, mode kept), so doctor's and serve's advice is true; --email and
// --domain are checked and normalized; flags that an existing outreach.yaml would silently ignore are reported.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { chmodSync, copyFileSync, existsSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { ROOT, runCli, tempDir } from '../helpers/cli.js';

let t: ReturnType<typeof tempDir>;
beforeEach(() => {
  t = tempDir('outreach-init-s9-');
});
afterEach(() => t.cleanup());

// The test runner's own environment must not leak in (a secret there is "set in the environment").
const env = { OUTREACH_DB: undefined, OUTREACH_SECRET: undefined, OUTREACH_ENV_FILE: undefined, OUTREACH_SETTINGS: undefined, OUTREACH_PROFILE: undefined };
const cli = (args: string[], extra: Record<string, string | undefined> = {}) => runCli(args, { cwd: t.dir, env: { ...env, ...extra } });
const envFile = () => join(t.dir, '.env');
const secretOf = (text: string) => (parseEnv(text) as Record<string, string>).OUTREACH_SECRET ?? '';

describe('(2) an existing .env without OUTREACH_SECRET', () => {
  it('after `cp .env.example .env`: the empty line is filled in, nothing else changes, mode kept, and doctor passes the secret check', async () => {
    copyFileSync(join(ROOT, '.env.example'), envFile());
    chmodSync(envFile(), 0o640);
    const before = readFileSync(envFile(), 'utf8');
    const r = await cli(['init', '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/updated\s+\S*\.env\s+\(OUTREACH_SECRET was empty: added a new one\)/);
    const after = readFileSync(envFile(), 'utf8');
    const secret = secretOf(after);
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Byte for byte the same file, but for that one value.
    expect(after).toBe(before.replace(/^OUTREACH_SECRET=$/m, `OUTREACH_SECRET=${secret}`));
    expect(statSync(envFile()).mode & 0o777).toBe(0o640);
    expect(readdirSync(t.dir).filter((f) => f.includes('.tmp'))).toEqual([]);

    const doctor = JSON.parse((await cli(['doctor', '--json'])).stdout) as { checks: { check: string; status: string }[] };
    const check = doctor.checks.find((c) => /secret/i.test(c.check));
    expect(check?.status).toBe('pass');

    // Idempotent: a second run keeps the secret.
    const again = await cli(['init', '--yes']);
    expect(again.code).toBe(0);
    expect(readFileSync(envFile(), 'utf8')).toBe(after);
  });

  it('a .env without the variable (and without a final newline): a line is appended, other values and comments kept', async () => {
    const mine = '# my settings\nSEARXNG_URL=http://127.0.0.1:8888  # local\nexport FOO="a b"';
    writeFileSync(envFile(), mine, { mode: 0o600 });
    const r = await cli(['init', '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const files = (JSON.parse(r.stdout) as { files: { file: string; status: string; note?: string }[] }).files;
    expect(files.find((f) => f.file.endsWith('.env'))).toMatchObject({ status: 'updated', note: 'added OUTREACH_SECRET' });
    const after = readFileSync(envFile(), 'utf8');
    expect(after.startsWith(mine + '\n')).toBe(true);
    expect(secretOf(after)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((parseEnv(after) as Record<string, string>).FOO).toBe('a b');
    expect(statSync(envFile()).mode & 0o777).toBe(0o600);
  });

  it('a .env whose secret is set is never touched; a secret set only in the environment is not duplicated into .env', async () => {
    const mine = 'OUTREACH_SECRET=keep-this-one-0123456789\nOTHER=1\n';
    writeFileSync(envFile(), mine);
    expect((await cli(['init', '--yes'])).code).toBe(0);
    expect(readFileSync(envFile(), 'utf8')).toBe(mine);

    writeFileSync(envFile(), 'OTHER=1\n');
    const r = await cli(['init', '--yes'], { OUTREACH_SECRET: 'from-the-shell-0123456789' });
    expect(r.code).toBe(0);
    expect(readFileSync(envFile(), 'utf8')).toBe('OTHER=1\n');
    expect(r.stderr).toContain('OUTREACH_SECRET is set in the environment but not in');
  });

  it('a .env that is a symbolic link: the file it points to gets the secret, the link stays', async () => {
    const real = join(t.dir, 'real.env');
    writeFileSync(real, 'OUTREACH_SECRET=\n', { mode: 0o600 });
    symlinkSync(real, envFile());
    expect((await cli(['init', '--yes'])).code).toBe(0);
    expect(secretOf(readFileSync(real, 'utf8'))).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(readFileSync(envFile(), 'utf8')).toBe(readFileSync(real, 'utf8'));
  });
});

describe('(6) --email and --domain', () => {
  it('a non-email --email is a usage error (exit 2) and nothing is written', async () => {
    for (const bad of ['not-an-email', 'ana@localhost', 'a b@lima.example']) {
      const r = await cli(['init', '--yes', '--email', bad]);
      expect(r.code, bad).toBe(2);
      expect(r.stderr).toContain('--email:');
      expect(readdirSync(t.dir)).toEqual([]);
    }
  });

  it('a URL as --domain is reduced to the bare domain, with a note; an IP, a port or an email is refused', async () => {
    const r = await cli(['init', '--yes', '--email', 'Ana <Ana@Lima.Example>', '--domain', 'https://www.Lima.Example/x']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('--domain: using lima.example (from "https://www.Lima.Example/x")');
    const yaml = readFileSync(join(t.dir, 'outreach.yaml'), 'utf8');
    expect(yaml).toMatch(/email: "ana@lima\.example"/);
    expect(yaml).toMatch(/sending_domain: "lima\.example"/);
    for (const bad of ['1.2.3.4', 'lima.example:8080', 'ana@lima.example', 'localhost']) {
      const b = await runCli(['init', '--yes', '--domain', bad], { cwd: tempDir().dir, env });
      expect(b.code, bad).toBe(2);
      expect(b.stderr).toContain('--domain:');
    }
  });

  it('a sending subdomain is kept as given (only www. and the URL parts go)', async () => {
    const r = await cli(['init', '--yes', '--domain', 'mail.lima.example']);
    expect(r.code).toBe(0);
    expect(readFileSync(join(t.dir, 'outreach.yaml'), 'utf8')).toMatch(/sending_domain: "mail\.lima\.example"/);
  });

  it('with outreach.yaml already there, a flag asking for another value is not ignored silently: exit 1, the file kept', async () => {
    expect((await cli(['init', '--yes', '--name', 'Ana Lima', '--email', 'ana@lima.example', '--domain', 'lima.example'])).code).toBe(0);
    const yaml = readFileSync(join(t.dir, 'outreach.yaml'), 'utf8');
    // Same values again (a provisioning script re-run): fine.
    const same = await cli(['init', '--yes', '--name', 'Ana Lima', '--email', 'ANA@lima.example']);
    expect(same.code, same.stderr).toBe(0);
    const other = await cli(['init', '--yes', '--name', 'Other']);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('outreach.yaml exists: --name "Other" was not applied (sender.name is "Ana Lima")');
    expect(other.stderr).toContain('(sender.name) to change it');
    expect(readFileSync(join(t.dir, 'outreach.yaml'), 'utf8')).toBe(yaml);
    const json = await cli(['init', '--yes', '--json', '--domain', 'other.example']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).not_applied).toEqual([{ flag: '--domain', key: 'sender.sending_domain', file_value: 'lima.example', requested: 'other.example' }]);
    expect(existsSync(join(t.dir, 'outreach.db'))).toBe(true);
  });
});
