// The installed-app and pixel table: each row detects its own example; the fixture stores' apps are found.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { APPS, detectApps } from '../../src/domain/apps.js';
import { FACT_KEYS } from '../../src/domain/facts.js';
import { FIXTURE_WEB } from '../helpers/fixture-web.js';

describe('app table', () => {
  it('has unique ids', () => {
    expect(new Set(APPS.map((a) => a.id)).size).toBe(APPS.length);
  });

  it.each(APPS.map((a) => [a.id, a] as const))('%s is detected from its example', (id, a) => {
    expect(detectApps(a.example).map((d) => d.id)).toContain(id);
  });

  it('finds nothing on a plain page', () => {
    expect(detectApps('<html><body><p>We sell handmade rings. Klarna-free zone? no.</p></body></html>')).toEqual([]);
  });

  it('kinds map to fact keys', () => {
    for (const a of APPS) expect(Object.keys(FACT_KEYS)).toContain(a.kind);
  });

  it.each([
    ['liquid-old', ['klaviyo', 'judgeme'], ['meta', 'tiktok']],
    ['liquid-new', ['yotpo', 'recharge', 'gorgias', 'privy', 'omnisend', 'afterpay', 'klarna'], ['google_ads', 'pinterest', 'snapchat']],
  ])('%s', (site, apps, pixels) => {
    const found = detectApps(readFileSync(join(FIXTURE_WEB, site, 'index.html'), 'utf8'));
    expect(found.filter((f) => f.kind === 'app').map((f) => f.id).sort()).toEqual([...apps].sort());
    expect(found.filter((f) => f.kind === 'pixel').map((f) => f.id).sort()).toEqual([...pixels].sort());
  });
});
