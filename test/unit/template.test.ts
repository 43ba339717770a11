import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseTemplate, render, renderTemplate, rawPlaceholders, joinBody, splitBody, cleanValue } from '../../src/domain/template.js';
import { UNSUBSCRIBE_URL_MARKER } from '../../src/domain/unsubscribe.js';

const FOOTER = '-- \n{{sender_name}}, {{sender_company}}\n{{sender_postal_address}}\nUnsubscribe: {{unsubscribe_url}}';
const tpl = (body: string, subject = 'Hello {{store_name}}') => parseTemplate('t', `subject: ${subject}\n---\n${body}\n${FOOTER}`);

describe('render', () => {
  it.each([
    ['{{first_name}}', { first_name: 'Maya' }, 'Maya'],
    ['{{ first_name }}', { first_name: 'Maya' }, 'Maya'],
    ['{{first_name|there}}', {}, 'there'],
    ['{{first_name|there}}', { first_name: '  ' }, 'there'],
    ['{{first_name|}}!', {}, '!'],
    ['{{catalog.size|many}} products', { 'catalog.size': 120 }, '120 products'],
    ['{{store_name}}', { store_name: 'A {{first_name}} [[X]] B' }, 'A first_name X B'], // values are never re-expanded
    ['{{unsubscribe_url}}', { unsubscribe_url: UNSUBSCRIBE_URL_MARKER }, UNSUBSCRIBE_URL_MARKER],
  ])('%s with %j → %s', (text, vars, out) => {
    expect(render(text, vars)).toEqual({ ok: true, text: out });
  });

  it('a missing value without fallback fails with the variable named and a fix', () => {
    const r = render('Hi {{first_name}}, {{store_name}} and {{sender_postal_address}}', { first_name: 'A' });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.missing).toEqual(['store_name', 'sender_postal_address']);
      expect(r.reason).toMatch(/\{\{store_name\}\}.*no fallback/);
      expect(r.reason).toMatch(/set sender\.postal_address in outreach\.yaml/);
    }
  });
});

describe('parseTemplate', () => {
  it.each([
    ['no separator', 'subject: x\nHi', /missing the "---"/],
    ['no subject', 'niche: x\n---\nHi\n' + FOOTER, /missing "subject:"/],
    ['unknown header', 'subject: x\ncolour: red\n---\nHi\n' + FOOTER, /line 2: unknown header "colour"/],
    ['unknown variable', 'subject: x\n---\nHi {{frist_name}}\n' + FOOTER, /line 3: unknown variable \{\{frist_name\}\} \(did you mean \{\{first_name\}\}\?\)/],
    ['no footer', 'subject: x\n---\nHi', /missing the footer/],
    ['footer without unsubscribe', 'subject: x\n---\nHi\n-- \n{{sender_name}}', /footer must contain \{\{unsubscribe_url\}\}/],
    ['unbalanced braces', 'subject: x\n---\nHi {{first_name\n' + FOOTER, /unbalanced/],
  ])('rejects %s', (_name, text, re) => {
    expect(() => parseTemplate('t', text)).toThrow(re);
  });

  it('accepts fact keys as variables and splits body and footer', () => {
    const t = tpl('Hi {{first_name|there}}, {{catalog.sample_product|your products}}.');
    expect(t.body).toBe('Hi {{first_name|there}}, {{catalog.sample_product|your products}}.');
    expect(t.footer).toContain('{{unsubscribe_url}}');
  });

  it('every shipped template parses and renders with a full lead, with no raw placeholder left', () => {
    const dir = resolve(import.meta.dirname, '../../templates/emails');
    const files = readdirSync(dir).filter((f) => f.endsWith('.txt'));
    expect(files.length).toBeGreaterThanOrEqual(19);
    const niches = new Set<string>();
    for (const f of files) {
      const t = parseTemplate(f, readFileSync(join(dir, f), 'utf8'));
      if (t.niche) niches.add(t.niche);
      const r = renderTemplate(t, {
        store_name: 'Lune & Ash', sender_name: 'Ana Lima', sender_first_name: 'Ana', sender_company: 'Lima Studio',
        sender_postal_address: '1 Main St', unsubscribe_url: UNSUBSCRIBE_URL_MARKER, offer: 'I build email flows.',
      });
      expect(r.ok, f).toBe(true);
      if (r.ok) {
        expect(rawPlaceholders(`${r.subject}\n${r.body}\n${r.footer}`, [UNSUBSCRIBE_URL_MARKER]), f).toEqual([]);
        expect(r.footer, f).toContain(UNSUBSCRIBE_URL_MARKER);
        expect(r.footer, f).toContain('1 Main St');
      }
    }
    for (const n of ['jewelry', 'apparel', 'beauty', 'home', 'pets', 'food']) expect(niches.has(n), n).toBe(true);
  });
});

describe('renderTemplate', () => {
  it('stops the whole email when any part misses a value', () => {
    const r = renderTemplate(tpl('Hi {{first_name|there}}'), { sender_name: 'A', sender_company: 'B', sender_postal_address: 'C', unsubscribe_url: 'u' });
    expect(r).toMatchObject({ ok: false, missing: ['store_name'] });
  });
});

describe('helpers', () => {
  it('joinBody and splitBody round-trip', () => {
    const text = joinBody('Hi\n\nBody', 'Ana, Lima\nAddr');
    expect(text).toBe('Hi\n\nBody\n\n-- \nAna, Lima\nAddr\n');
    expect(splitBody(text)).toEqual({ body: 'Hi\n\nBody', footer: 'Ana, Lima\nAddr' });
    expect(splitBody('no footer')).toEqual({ body: 'no footer', footer: '' });
  });
  it.each([
    ['Hi {{first_name}}', ['{{first_name}}']],
    ['Hi [[UNSUBSCRIBE_URL]]', []],
    ['Hi [[OTHER]]', ['[[OTHER]]']],
    ['Hi }}', ['}}']],
  ])('rawPlaceholders(%s)', (text, out) => {
    expect(rawPlaceholders(text, [UNSUBSCRIBE_URL_MARKER])).toEqual(out);
  });
  it('cleanValue strips braces and newlines', () => {
    expect(cleanValue('a\n{{b}}\tc')).toBe('a b c');
    expect(cleanValue(null)).toBe('');
  });
});
