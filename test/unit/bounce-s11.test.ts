// review-s11-issue9 findings 2 and 9 (bounce classification).
// #2: a delivery-status report with several per-recipient blocks judges the address we mailed (the attached
// original's To:, or what the store knows we sent) by its own block: delayed → soft delay, relayed/delivered/expanded
// → nothing for it (category `delivered`), failed → by its own status. Another recipient's failure is not ours. A
// block naming our address only as Original-Recipient (a forward) keeps the documented forward rule.
// #9: Exchange/Outlook NDR texts that say the address was not found, in de/fr/es/it/nl/pt, are hard bounces; their
// mailbox-full and temporary wordings stay soft. The CLI effects are in test/cli/inbox-s11-bounce.test.ts.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { bounceFor, originalRecipients } from '../../src/domain/classify/bounce.js';
import { classifyMail, detectBounce, type MailInput } from '../../src/domain/classify/index.js';
import { parseMessage } from '../../src/stages/inbox/parse.js';
import { deliveryStatusOf } from '../../src/stages/inbox/store.js';

const SET = resolve(import.meta.dirname, '../fixtures/inbox/bounce-s11');
const load = async (f: string) => parseMessage(readFileSync(resolve(SET, f)));

describe('#2: the address we mailed is judged by its own block', () => {
  it.each([
    // file, type, recipient, category, delayed
    ['multi-delayed-1.eml', 'soft', 'boss@s1.example', 'expired', true],
    ['multi-relayed-2.eml', 'soft', 'boss@s2.example', 'delivered', undefined],
    ['multi-failed-3.eml', 'hard', 'boss@s3.example', 'user_unknown', undefined],
    ['forward-4.eml', 'hard', 'boss.home@gmail.example', 'user_unknown', undefined],
    ['multi-soft-5.eml', 'soft', 'boss@s5.example', 'mailbox_full', undefined],
    ['multi-expanded-9.eml', 'soft', 'boss@s9.example', 'delivered', undefined],
  ])('%s → %s for %s (%s)', async (file, type, recipient, category, delayed) => {
    const p = await load(file);
    const c = classifyMail(p.input);
    expect(c).toMatchObject({ label: 'BOUNCE', bounceType: type, bounceRecipient: recipient, bounceCategory: category });
    expect(c.bounceDelayed).toBe(delayed);
  });

  it('the reason names the other recipient when ours was delivered', async () => {
    const b = detectBounce((await load('multi-relayed-2.eml')).input)!;
    expect(b).toMatchObject({ delivered: true, status: '2.0.0' });
    expect(b.reason).toBe("delivery status report: boss@s2.example relayed 2.0.0; the failure is another recipient's (boss-old@s2.example 5.1.1)");
  });

  const DSN = [
    'Reporting-MTA: dns; mx.example',
    '',
    'Final-Recipient: rfc822; someone@elsewhere.example',
    'Action: failed',
    'Status: 5.1.1',
    'Diagnostic-Code: smtp; 550 5.1.1 User unknown',
    '',
    'Final-Recipient: rfc822; Boss@S1.example',
    'Original-Recipient: rfc822; boss@s1.example',
    'Action: delayed',
    'Status: 4.4.1',
    'Diagnostic-Code: smtp; connection timed out',
    '',
    'Final-Recipient: rfc822; sam.home@gmail.example',
    'Original-Recipient: rfc822; sam@store.example',
    'Action: failed',
    'Status: 5.1.1',
    '',
    'Final-Recipient: rfc822; team@list.example',
    'Action: expanded',
    'Status: 2.0.0',
    '',
    'Final-Recipient: rfc822; member@else.example',
    'Original-Recipient: rfc822; team@list.example',
    'Action: failed',
    'Status: 5.1.1',
    '',
  ].join('\r\n');

  it('bounceFor: by Final-Recipient (any case), by Original-Recipient (a forward), an expanded list, no block', () => {
    expect(bounceFor(DSN, 'BOSS@s1.example')).toMatchObject({ type: 'soft', delayed: true, recipient: 'boss@s1.example', status: '4.4.1' });
    // A forward: judged by its block, named by the final recipient (the store suppresses both, as documented).
    expect(bounceFor(DSN, 'sam@store.example')).toMatchObject({ type: 'hard', recipient: 'sam.home@gmail.example', status: '5.1.1' });
    // The list's own block (expanded) speaks for it, not a member's failure that names it as Original-Recipient.
    expect(bounceFor(DSN, 'team@list.example')).toMatchObject({ delivered: true, category: 'delivered', recipient: 'team@list.example' });
    expect(bounceFor(DSN, 'nobody@else.example')).toBeNull();
    expect(bounceFor(undefined, 'boss@s1.example')).toBeNull();
  });

  it("the original's To: is the address we mailed; a report without the original keeps the first failure", async () => {
    const p = await load('inreplyto-delayed-10.eml');
    expect(originalRecipients(p.input)).toEqual([]);
    expect(classifyMail(p.input)).toMatchObject({ bounceType: 'hard', bounceRecipient: 'someone@elsewhere.example' });
    // The store reads the block of what we sent, also from the raw message when the input was dropped (worker thread).
    const ds = deliveryStatusOf({ input: null as unknown as MailInput, raw: p.raw })!;
    expect(ds).toContain('Final-Recipient: rfc822; boss@s10.example');
    expect(ds).not.toContain('--B');
    expect(bounceFor(ds, 'boss@s10.example')).toMatchObject({ type: 'soft', delayed: true, status: '4.4.1' });
    expect(deliveryStatusOf(p)).toBe(p.input.deliveryStatus);
  });
});

/** An Exchange/Outlook NDR as plain text: daemon sender, localized subject, the failed recipient and the cause. */
function ndr(subject: string, intro: string, cause: string): MailInput {
  return {
    headers: {},
    subject: `${subject} Quick question about Store`,
    from: 'mailer-daemon@mail.store.example',
    fromName: 'Microsoft Outlook',
    contentType: 'text/plain; charset=utf-8',
    text: `${intro}\n\nboss@store.example\n${cause}\n`,
  };
}

const DE = ['Unzustellbar:', 'Die Nachricht konnte nicht an folgende Empfänger zugestellt werden:'] as const;
const FR = ['Non remis :', "Votre message n'a pas pu être remis aux destinataires suivants :"] as const;
const ES = ['No se puede entregar:', 'No se pudo entregar el mensaje a los siguientes destinatarios:'] as const;
const IT = ['Non recapitabile:', 'Impossibile recapitare il messaggio ai seguenti destinatari:'] as const;
const NL = ['Onbestelbaar:', 'Het bericht kon niet worden afgeleverd bij de volgende ontvangers:'] as const;
const PT = ['Não entregue:', 'Não foi possível entregar a mensagem aos seguintes destinatários:'] as const;

describe('#9: localized Exchange NDRs: "address not found" is hard', () => {
  it.each([
    [DE, 'Die E-Mail-Adresse wurde nicht gefunden.'],
    [DE, 'Der Empfänger wurde nicht gefunden.'],
    [DE, 'boss wurde bei store.example nicht gefunden.'],
    [FR, 'Adresse introuvable.'],
    [FR, "L'adresse de messagerie est introuvable."],
    [FR, 'boss est introuvable sur store.example.'],
    [ES, 'No se encontró la dirección de correo electrónico.'],
    [ES, 'No se encontró la dirección.'],
    [ES, 'No se encontró boss en store.example.'],
    [IT, 'Indirizzo non trovato.'],
    [IT, 'Indirizzo di posta elettronica non trovato.'],
    [IT, 'boss non è stato trovato in store.example.'],
    [NL, 'Adres niet gevonden.'],
    [NL, 'Het e-mailadres is niet gevonden.'],
    [NL, 'boss is niet gevonden op store.example.'],
    [PT, 'Endereço não encontrado.'],
    [PT, 'O endereço de email não foi encontrado.'],
    [PT, 'boss não foi encontrado em store.example.'],
  ])('%j %s', ([subject, intro], cause) => {
    const c = classifyMail(ndr(subject, intro, cause));
    expect(c).toMatchObject({ label: 'BOUNCE', bounceType: 'hard', bounceRecipient: 'boss@store.example', bounceCategory: 'user_unknown' });
  });
});

describe('#9: localized mailbox-full and temporary wordings stay soft', () => {
  it.each([
    [DE, 'Das Postfach des Empfängers ist voll.'],
    [DE, 'Der Server ist vorübergehend nicht erreichbar. Versuchen Sie es später erneut.'],
    [FR, 'La boîte aux lettres du destinataire est pleine.'],
    [FR, 'Le serveur est temporairement indisponible.'],
    [ES, 'El buzón del destinatario está lleno.'],
    [ES, 'El servidor no está disponible temporalmente.'],
    [IT, 'La casella di posta del destinatario è piena.'],
    [IT, 'Il server è temporaneamente non disponibile.'],
    [NL, 'Het postvak van de ontvanger is vol.'],
    [NL, 'De server is tijdelijk niet beschikbaar.'],
    [PT, 'A caixa de correio do destinatário está cheia.'],
    [PT, 'O servidor está temporariamente indisponível.'],
  ])('%j %s', ([subject, intro], cause) => {
    const c = classifyMail(ndr(subject, intro, cause));
    expect(c).toMatchObject({ label: 'BOUNCE', bounceType: 'soft', bounceRecipient: 'boss@store.example' });
  });
});
