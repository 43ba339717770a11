// Finding templates and offers on disk: the user's folder first (./templates/emails/NAME.txt), then the
// templates shipped with outreach. Names are file names without the extension.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../errors.js';
import { parseTemplate, type Template } from '../../domain/template.js';

export interface TemplateInfo {
  name: string;
  path: string;
  niche: string | null;
  step: string;
  description: string;
}

const NAME_RE = /^[a-z0-9][a-z0-9_-]{0,80}$/i;

export function findTemplateFile(name: string, dirs: string[]): string | null {
  if (!NAME_RE.test(name)) return null;
  for (const d of dirs) {
    const p = join(d, 'emails', `${name}.txt`);
    if (existsSync(p)) return p;
  }
  return null;
}

const cache = new Map<string, Template>();

export function loadTemplate(name: string, dirs: string[]): Template {
  const path = findTemplateFile(name, dirs);
  if (!path) {
    const known = listTemplates(dirs).map((t) => t.name);
    throw new UserError(
      `No template named "${name}".`,
      `Templates: ${known.join(', ') || '(none)'}. Put your own in ./templates/emails/${name}.txt.`,
    );
  }
  const hit = cache.get(path);
  if (hit) return hit;
  try {
    const t = parseTemplate(name, readFileSync(path, 'utf8'));
    cache.set(path, t);
    return t;
  } catch (err) {
    throw new UserError(`${path}: ${(err as Error).message}`);
  }
}

/** A variant written inline (campaign file): same checks as a template file. */
export function inlineTemplate(label: string, subject: string, body: string): Template {
  try {
    return parseTemplate(`inline variant ${label}`, `subject: ${subject.replace(/\n/g, ' ')}\n---\n${body}`);
  } catch (err) {
    throw new UserError((err as Error).message);
  }
}

export function listTemplates(dirs: string[]): TemplateInfo[] {
  const seen = new Map<string, TemplateInfo>();
  for (const d of dirs) {
    const dir = join(d, 'emails');
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).sort()) {
      if (!f.endsWith('.txt')) continue;
      const name = f.slice(0, -4);
      if (seen.has(name)) continue;
      const path = join(dir, f);
      try {
        const t = parseTemplate(name, readFileSync(path, 'utf8'));
        seen.set(name, { name, path, niche: t.niche, step: t.step, description: t.description });
      } catch {
        seen.set(name, { name, path, niche: null, step: 'invalid', description: 'does not parse: run `outreach campaign templates` after fixing it' });
      }
    }
  }
  return [...seen.values()].sort((a, b) => a.name.localeCompare(b.name));
}

export function listOffers(dirs: string[]): string[] {
  const out = new Set<string>();
  for (const d of dirs) {
    const dir = join(d, 'offers');
    if (existsSync(dir)) for (const f of readdirSync(dir)) if (f.endsWith('.txt')) out.add(f.slice(0, -4));
  }
  return [...out].sort();
}

/** An offer is either the name of a file in templates/offers/ or the offer text itself. */
export function resolveOffer(offer: string | null | undefined, dirs: string[]): string {
  const o = (offer ?? '').trim();
  if (!o) return '';
  if (NAME_RE.test(o)) {
    for (const d of dirs) {
      const p = join(d, 'offers', `${o}.txt`);
      if (existsSync(p)) return readFileSync(p, 'utf8').trim();
    }
  }
  return o;
}
