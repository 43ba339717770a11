// The reason stored with an offline intent names the cues of the reply's language, or words that really
// occur in it: an English "schedule a call" is never given the German cue "termin" (whose pattern also
// lists the loanwords "call" and "demo"), and no cue matches inside another word ("determine").
import { describe, it, expect } from 'vitest';
import { classifyIntent } from '../../src/domain/classify/index.js';

/** The cue names of a reason ("warm: schedule, call, pricing" → ["schedule", "call", "pricing"]). */
function cues(reason: string): string[] {
  return reason.replace(/^[a-z]+: /, '').split(', ');
}

const GERMAN = ['termin', 'interessiert', 'preis', 'gerne', 'spater', 'kein interesse', 'nicht notig'];
const FOREIGN = [...GERMAN, 'afspraak', 'chiamata', 'reuniao', 'llamada', 'rendez-vous', 'prijs', 'prezzo', 'preco', 'tarif', 'precio', 'interesse', 'interessato'];

describe('reason names the reply language\'s cues', () => {
  it.each([
    ["Hi Sam, let's schedule a call next week, and please send your pricing.", 'WARM', ['schedule', 'call']],
    ['Happy to do a demo on Thursday. What does it cost?', 'WARM', ['demo']],
    ['Could you give me a call tomorrow? We are interested.', 'WARM', ['call', 'interested']],
    ['Sounds interesting, can we set up a videocall?', 'WARM', []],
  ])('%s', (text, label, named) => {
    const r = classifyIntent(text);
    expect(r.label).toBe(label);
    expect(r.lang).toBe('en');
    for (const n of cues(r.reason)) expect(FOREIGN).not.toContain(n);
    for (const n of named) expect(cues(r.reason)).toContain(n);
  });

  it('the same words in a German reply keep the German cue names', () => {
    const r = classifyIntent('Hallo Sam, klingt interessant. Können wir nächste Woche einen Termin für einen Call machen?');
    expect(r.label).toBe('WARM');
    expect(r.lang).toBe('de');
    expect(cues(r.reason)).toContain('termin');
    expect(cues(r.reason)).toContain('interessiert');
  });

  it('a word several languages share is named by the reply\'s language ("interessant" in Dutch, "kosten" in German)', () => {
    const nl = classifyIntent('Hoi Sam, klinkt interessant. Kunnen we volgende week even bellen?');
    expect(nl.lang).toBe('nl');
    expect(cues(nl.reason)).not.toContain('interessiert');
    expect(cues(nl.reason)).toContain('geinteresseerd');
    const de = classifyIntent('Klingt interessant. Was kostet das und wie hoch sind die Kosten pro Monat?');
    expect(de.lang).toBe('de');
    expect(cues(de.reason)).not.toContain('prijs');
  });

  it('a short reply in a language with few stop words is still read as that language', () => {
    const it_ = classifyIntent('Volentieri, mandatemi maggiori informazioni.');
    expect(it_.label).toBe('WARM');
    expect(it_.lang).toBe('it');
    const pt = classifyIntent('Claro, vamos conversar. Quando você pode?');
    expect(pt.label).toBe('WARM');
    expect(pt.lang).toBe('pt');
    expect(cues(pt.reason)).not.toContain('llamada');
    expect(cues(pt.reason)).not.toContain('con gusto');
  });
});

describe('no cue matches inside another word', () => {
  it.each([
    ['We need to determine whether this makes sense.', 'termin'],
    ['We are going to terminate the pilot.', 'termin'],
    ['Our callback numbers are on the site.', 'call'],
    ['We will demolish the old store layout.', 'demo'],
  ])('%s', (text, cue) => {
    const r = classifyIntent(text);
    expect(cues(r.reason)).not.toContain(cue);
    expect(r.label).not.toBe('WARM');
  });
});
