// Bounce detection: RFC 3464 delivery-status reports first, then the shapes real MTAs use without
// one (Exim, qmail, Exchange, Lotus, hosted mail). Hard or soft from the failure's category: an
// address that does not exist is hard (suppress forever); full mailboxes, policy blocks, spam
// filters and timeouts are soft (the address is fine, our message or server was refused): that is
// how listmonk and Sisimai treat them too. Without a category, 5.x.x is hard and 4.x.x soft.
import { fold } from './text.js';
import { foldMemo, header, type BounceType, type MailInput } from './types.js';

export interface BounceResult {
  type: BounceType;
  status?: string;
  recipient?: string;
  category: string;
  confidence: number;
  reason: string;
  /** A delay warning (RFC 3464 Action: delayed, or "will be retried" text): the message may still arrive. */
  delayed?: boolean;
  /**
   * The report's block for the address we mailed says delivered, relayed or expanded (2.x.x): the failure it
   * reports is another recipient's; nothing to do for ours (category `delivered`).
   */
  delivered?: boolean;
}

/** Failure categories, checked in order against the diagnostic text. hard = the address itself is bad. */
const CATEGORIES: { name: string; hard: boolean; re: RegExp }[] = [
  {
    name: 'mailbox_full',
    hard: false,
    re: /mailbox (is )?full|mail ?box full|over ?quota|quota (exceeded|exceed|full)|exceeded (the )?(storage|quota)|insufficient (system )?storage|mailbox size limit|user is over|disk quota|not enough (storage|space)|mailfolder is full|storage (allocation|space) exceeded|postfach (ist )?voll|boite (aux lettres )?pleine|buzon (esta )?lleno|casella (di posta )?piena|full mailbox|exceeds? (his|her|their|its)? ?(mailbox )?(quota|size)|too many messages in (this|the) mailbox|(postfach|speicher(platz)?)[^.\n]{0,40} (voll|uberschritten)\b|speicherkontingent|(boite|bal)[^.\n]{0,40} (pleine|saturee)|quota[^.\n]{0,30} depasse|buzon[^.\n]{0,40} (lleno|completo)|cuota[^.\n]{0,30} (excedida|superada)|casella[^.\n]{0,40} (piena|satura)|spazio[^.\n]{0,30} esaurito|(postvak|postbus)[^.\n]{0,40} vol\b|mailbox (is )?vol\b|opslaglimiet|caixa[^.\n]{0,40} (cheia|lotada)|cota[^.\n]{0,30} excedida/,
  },
  {
    name: 'host_unknown',
    hard: true,
    re: /host (or domain name )?not found|domain (name )?not found|unrouteable (mail )?domain|host unknown|unknown host|no such domain|domain (does not|doesn't) exist|name or service not known|nxdomain|no mx (record|host)|domain has no (mail|mx)|unrouteable address|hostname not found|no route to host|domain is not configured|null mx|does not accept mail \(nullmx\)|dns error.{0,40}(domain|nxdomain)|bad destination system address|couldn't find any host named/,
  },
  {
    name: 'moved',
    hard: true,
    re: /has moved|address has changed|no longer (with|at|employed)|has left the (company|organi[sz]ation)|user has moved|moved permanently|new address is/,
  },
  {
    name: 'user_unknown',
    hard: true,
    re: /user unknown|unknown user|unknown recipient|recipient unknown|no such (user|recipient|mailbox|address|account|local user)|(user|mailbox|recipient|address|account|e-?mail( address)?) (does not|doesn't|did not|didn't) exist|does not exist|(user|recipient|mailbox|address) not found|unknown (local[- ]part|address|mailbox|account)|invalid (recipient|mailbox|address|user|e-?mail)|mailbox (unavailable|not found|does not exist|not available|name not allowed)|not a valid (mailbox|user|recipient|address)|no mailbox|bad destination mailbox|recipient (address )?rejected|address rejected|undeliverable address|no account by that name|is not a known user|not our customer|unknown or illegal alias|no valid recipients|the email account that you tried to reach|user (is )?not local|no such person|not listed in|unrouteable address|account (is )?(unavailable|not available)|user doesn't have a|address unknown|recipient not found|destinataire inconnu|unbekannt|existiert nicht|utente (non|inesistente)|usuario (desconocido|no existe)|onbekend|mailbox is (disabled|inactive|deactivated)|account (has been )?(disabled|deactivated|suspended|closed)|(mailbox|account) (is )?(disabled|inactive|expired|suspended)|user (account )?(is )?(disabled|suspended|inactive)|(wasn't|was not|couldn't be) found at|(e-?mail-?)?adresse (des empfangers )?wurde nicht gefunden|(empfanger|postfach|benutzer|e-?mail-?adresse)( \S+)? (wurde )?nicht gefunden|wurde bei \S{1,100} nicht gefunden|(empfanger|benutzer|adresse|postfach) (ist )?unbekannt|unbekannte[rs]? (empfanger|benutzer|e-?mail-?adresse|adresse|postfach)|(adresse|destinataire|utilisateur|boite aux lettres)( (e-?mail|de (messagerie|courrier|la boite)|electronique))? (est )?(introuvable|inexistante?|inconnue?)|introuvable (sur|a|dans)|n'a pas ete trouve(e)? (sur|a|dans)|(adresse|destinataire|utilisateur) inconnu|no se (encontro|ha encontrado|pudo encontrar) (la direccion|el destinatario|el buzon|al destinatario)|(direccion|destinatario|buzon|usuario)( de correo)?( electronico)? (no (encontrad[oa]|existe|valid[oa])|inexistente|desconocid[oa])|no se (encontro|ha encontrado) \S{1,64} en |(indirizzo|destinatario|casella|utente)( di posta)?( (elettronica|e-?mail))? (non (trovat[oa]|esiste|valid[oa])|inesistente|sconosciut[oa])|non (e stato|e stata) trovat[oa]|(e-?mail-?)?adres (is )?niet gevonden|(e-?mail-?)?adres (bestaat niet|onbekend)|(ontvanger|gebruiker|postvak|mailbox) (is )?(niet gevonden|bestaat niet|onbekend)|niet gevonden (op|bij)|(endereco|destinatario|caixa postal|usuario|utilizador)( de (e-?mail|correio( eletronico)?))? (nao (foi )?(encontrad[oa]|existe|valid[oa])|inexistente|desconhecid[oa])|nao foi encontrad[oa] (em|no|na)/,
  },
  {
    name: 'message_too_big',
    hard: false,
    re: /message (is )?too (big|large)|message size exceeds|exceeds (the )?(maximum|size limit)|size limit|message length exceeds|too large/,
  },
  {
    name: 'policy',
    hard: false,
    re: /spam|blocked|block ?list|black ?list|blacklisted|rbl|dnsbl|spamhaus|policy|reputation|rejected (by|due to|for)|not (authorized|allowed|permitted)|access denied|denied|refused|dmarc|spf|dkim|authentication|sender (address )?rejected|relay(ing)? (denied|not permitted|access denied)|virus|malware|content (rejected|filter)|filtered|ptr|reverse dns|rate limit|too many (connections|messages|recipients)|throttl|try again later|greylist|temporar|temporair|vorubergehend|temporalmente|temporaneamente|tijdelijk|spater erneut|plus tard|mas tarde|piu tardi|later opnieuw|mais tarde/,
  },
  {
    name: 'expired',
    hard: false,
    re: /expired|retry time|retry timeout|timed? ?out|time-?out|could not be delivered (within|for)|has been delayed|delivery (has been )?delayed|not yet been delivered|giving up|connection (refused|reset|timed)|deferred|unable to connect|network (is )?unreachable|no answer/,
  },
];

const BOUNCE_SENDER = /^(mailer-daemon|post_?master|mail-daemon|mailerdaemon|mail\.?delivery|maildelivery|bounce[s]?|nobody|daemon|mdaemon|smtp|mail-router|mailadmin|mail\.system|mailsystem|noreply-dmarc)([^@]*@|$)|^(?!.)/;
const BOUNCE_SENDER_NAME = /mail delivery (system|subsystem)|mailer.?daemon|postmaster|mail administrator|delivery status|mail system|systemadministrator|mail delivery/;
const BOUNCE_SUBJECT =
  /undeliver|undelivered|delivery (status notification|failure|failed|has failed|problem|report|notification)|mail delivery (failed|failure|system)|returned mail|return(ed)? to sender|failure notice|non[- ]?deliver|nondeliverable|could not (be )?deliver|delivery (status|error)|mail (system )?error|rejected:?|message not delivered|unzustellbar|nicht zustellbar|non remis|non distribu|echec de (la )?(remise|distribution)|no entregado|no se puede entregar|non recapitabil|mancata consegna|onbestelbaar|nao (foi )?entregue|warning: (could not send|message .* delayed)|delayed mail|delivery delayed|notification d'etat|benachrichtung zum|delivery notification|failed delivery|mail could not be|message you sent|returned|bounce|mail failed|returning to sender|mail failure|could not send|delivery error|メール|エラー|不達|配信/;
const BOUNCE_BODY =
  /permanent (fatal )?error|permanent failure|this is a permanent error|the following (address(es)?|recipient(s)?) (had permanent fatal errors|failed)|could not be delivered to|delivery to the following recipient(s)? (failed|has been delayed)|this is the mail system at host|i'm sorry to have to inform you|i'm afraid i wasn't able to deliver|your message (did not|could not|wasn't|was not|cannot) (reach|be delivered)|message could not be delivered|was not delivered to|undeliverable|delivery has failed|failed to deliver|unable to deliver|couldn't be delivered|mail delivery failed|returned to sender|delivery failed|remote (host|server) (said|returned|replied)|smtp error|(^|\s)[45]\d\d[ -][245]\.\d{1,3}\.\d{1,3}|diagnostic-code|final-recipient|the original message was received|transcript of session|address(es)? failed|retry time(out)? (not reached|exceeded)|message delivery failure|delivery notification|nicht zugestellt|konnte nicht an (folgende|die folgenden) empfanger zugestellt werden|zustellung fehlgeschlagen|n'a pas pu etre (remis|distribue)|impossibile recapitare|kon niet worden bezorgd|no (pudo|se pudo) (ser )?entregar|non e stato possibile (consegnare|recapitare)|kon niet worden afgeleverd|nao foi possivel entregar|had delivery errors|failed addresses follow|did not reach the following recipient|requested action not taken|no such user here|invalid user address|送信できません|配信できません|宛先不明/;
/** Texts no human writes: enough on their own. */
const STRONG_BODY = /\"notificationtype\"\s*:\s*\"bounce\"|---\s*the following addresses had delivery errors|\|-+ failed addresses follow|this is the mail system at host|i'm sorry to have to inform you that your message could not|delivery to the following recipient(s)? failed permanently|this message was created automatically by mail delivery software|a message that you sent (could not be delivered|contained one or more recipient addresses that were)|your message did not reach some or all of the intended recipients|the following message to <[^>]+> was undeliverable|could not be delivered to:\s*<|did not reach the following recipient\(s\)/;

/**
 * Strings of which every match of STRONG_BODY contains one (one per branch, in its order): without any of them it
 * cannot match, so it is tested only when one is present (same result). A plain reply holds none, and a substring
 * search is much cheaper than the alternation tried at every position. Each string begins with a character that is
 * rare in prose (V8 jumps between occurrences of the first character), hence the odd cuts ("ystem at host").
 */
const STRONG_BODY_WORDS = [
  '"notificationtype"', // "notificationtype"\s*:\s*"bounce"
  '---', // ---\s*the following addresses had delivery errors
  '|-', // \|-+ failed addresses follow
  'ystem at host', // this is the mail system at host
  "'m sorry to have to inform you", // i'm sorry to have to inform you that your message could not
  'very to the following recipient', // delivery to the following recipient(s)? failed permanently
  'very software', // this message was created automatically by mail delivery software
  'you sent ', // a message that you sent (could not be delivered|contained one or more recipient addresses that were)
  'your message did not reach', // your message did not reach some or all of the intended recipients
  'wing message to <', // the following message to <[^>]+> was undeliverable
  'vered to:', // could not be delivered to:\s*<
  '(s)', // did not reach the following recipient\(s\)
];
/** The same for the DSN-fields pattern of detectBounce: final-recipient, diagnostic-code, action:, status:. */
const DSN_FIELD_WORDS = ['-recipient', '-code', 'ction:', 'tatus:'];

const STATUS_RE = /(?:^|[\s(#\[:;,])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.])/;
const STATUS_RE_G = /(?:^|[\s(#\[:;,])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.])/g;
const SMTP_CODE_RE = /(?:^|[\s(:;])([45])\d\d(?=[\s-])/;

interface DsnRecipient {
  /** Final-Recipient (else Original-Recipient), lower case, without the address type. */
  recipient?: string;
  /** Original-Recipient, when given: the address the sender wrote (a forward's Final-Recipient differs). */
  original?: string;
  action?: string;
  status?: string;
  diagnostic?: string;
}

/** "rfc822; <Boss@Store.example>" → "boss@store.example". */
function dsnAddress(v: string): string {
  return v.replace(/^[a-z0-9-]+\s*;\s*/i, '').replace(/[<>]/g, '').trim().toLowerCase();
}

/** Per-recipient blocks of an RFC 3464 delivery-status part. */
export function parseDeliveryStatus(text: string): DsnRecipient[] {
  const blocks = text.replace(/\r\n?/g, '\n').split(/\n\s*\n/);
  const out: DsnRecipient[] = [];
  for (const block of blocks) {
    // Unfold continuation lines.
    const fields: Record<string, string> = {};
    let last = '';
    for (const line of block.split('\n')) {
      if (/^\s/.test(line) && last) {
        fields[last] += ' ' + line.trim();
        continue;
      }
      const m = /^([A-Za-z-]+)\s*:\s*(.*)$/.exec(line);
      if (m) {
        last = m[1]!.toLowerCase();
        fields[last] = m[2]!.trim();
      }
    }
    const rcpt = fields['final-recipient'] ?? fields['original-recipient'];
    if (!rcpt && !fields['action'] && !fields['status']) continue;
    const orig = fields['original-recipient'] ? dsnAddress(fields['original-recipient']) : undefined;
    out.push({
      recipient: rcpt ? dsnAddress(rcpt) : undefined,
      ...(orig ? { original: orig } : {}),
      action: fields['action']?.toLowerCase(),
      status: fields['status'] ? STATUS_RE.exec(' ' + fields['status'])?.slice(1, 4).join('.') ?? undefined : undefined,
      diagnostic: fields['diagnostic-code'],
    });
  }
  return out;
}

function categorize(diag: string, status: string | undefined): { name: string; hard: boolean } | null {
  const d = fold(diag);
  // Status codes that name the cause outright (RFC 3463).
  if (status) {
    const [cls, subj, det] = status.split('.').map(Number) as [number, number, number];
    if (subj === 1 && (det === 1 || det === 0 || det === 3) && cls === 5 && !/spam|policy|block|reputation|relay/.test(d)) {
      // 5.1.1 bad mailbox (5.1.0 / 5.1.3 usually too), unless the text says it is really a policy block.
      return CATEGORIES.find((c) => c.name === 'user_unknown')!;
    }
    if (subj === 1 && det === 2 && cls === 5) return CATEGORIES.find((c) => c.name === 'host_unknown')!;
    if (subj === 1 && (det === 7 || det === 8)) return CATEGORIES.find((c) => c.name === 'policy')!; // our sender address refused
    if (subj === 1 && det === 6) return CATEGORIES.find((c) => c.name === 'moved')!;
    if (subj === 1 && det === 10) return CATEGORIES.find((c) => c.name === 'host_unknown')!;
    if (subj === 2 && det === 2) return CATEGORIES.find((c) => c.name === 'mailbox_full')!;
    if (subj === 3 && det === 4) return CATEGORIES.find((c) => c.name === 'message_too_big')!;
    if (subj === 2 && det === 1 && cls === 5) {
      return /full|quota/.test(d) ? CATEGORIES.find((c) => c.name === 'mailbox_full')! : { name: 'disabled', hard: false };
    }
    if (subj === 4 && det === 7) return CATEGORIES.find((c) => c.name === 'expired')!;
    if (subj === 7 && !/user unknown|does not exist|no such user/.test(d)) {
      return CATEGORIES.find((c) => c.name === 'policy')!;
    }
  }
  for (const c of CATEGORIES) if (c.re.test(d)) return c;
  return null;
}

function typeFor(cat: { name: string; hard: boolean } | null, status: string | undefined, diag: string): BounceType {
  if (cat) return cat.hard ? 'hard' : 'soft';
  const cls = status?.[0] ?? SMTP_CODE_RE.exec(diag)?.[1];
  return cls === '5' ? 'hard' : 'soft';
}

/** The first email address in a string (for bounces without a DSN). */
function firstAddress(text: string, exclude: string[]): string | undefined {
  // Bounded repeats (RFC 5321: local part ≤ 64, domain ≤ 255): with `+`, a long run of address characters
  // and no '@' is rescanned from every start position, quadratic (100,000 characters took 22 s).
  const re = /<?([a-z0-9._%+'=-]{1,64}@[a-z0-9.-]{1,255}\.[a-z]{2,63})>?/gi;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    const a = m[1]!.toLowerCase();
    if (!exclude.includes(a) && !/^(mailer-daemon|postmaster)@/.test(a)) return a;
  }
  return undefined;
}

/** A block that reports a delivery, not a failure: relayed, delivered, expanded (2.x.x). */
function succeeded(r: DsnRecipient): boolean {
  return r.action === 'delivered' || r.action === 'relayed' || r.action === 'expanded' || (r.status?.[0] === '2' && !r.action);
}

/** The block that speaks for a set of blocks: the first failure, else the first delay, else a 4/5.x.x without an Action. */
function failing(rs: DsnRecipient[]): DsnRecipient | null {
  return rs.find((r) => r.action === 'failed') ?? rs.find((r) => r.action === 'delayed') ?? rs.find((r) => r.status && r.status[0] !== '2' && !r.action) ?? null;
}

/** Whether a block is the address's: its Final-Recipient, or its Original-Recipient (a forward names the one we wrote there). */
function names(r: DsnRecipient, address: string): boolean {
  return r.recipient === address || r.original === address;
}

/**
 * The blocks of the addresses we mailed: those whose Final-Recipient is one, else those whose Original-Recipient is
 * (a forward). A list or alias that was expanded has a block of its own (Action: expanded) and its members name it as
 * their Original-Recipient: its own block speaks for it, a member's failure does not.
 */
function ownBlocks(all: DsnRecipient[], addresses: string[]): DsnRecipient[] {
  const byFinal = all.filter((r) => r.recipient !== undefined && addresses.includes(r.recipient));
  return byFinal.length ? byFinal : all.filter((r) => r.original !== undefined && addresses.includes(r.original));
}

/** The recipients of the original message attached to a bounce (its To:), lower case: the address we mailed. */
export function originalRecipients(input: MailInput): string[] {
  const h = input.originalHeaders;
  if (!h || !/^to[ \t]*:/im.test(h)) return [];
  const out = new Set<string>();
  const unfolded = h.slice(0, 64 * 1024).replace(/\r?\n[ \t]+/g, ' ');
  for (const m of unfolded.matchAll(/^to[ \t]*:(.*)$/gim)) {
    for (const a of m[1]!.match(/[^\s<>,;"()]{1,64}@[^\s<>,;"()]{1,255}/g) ?? []) out.add(a.toLowerCase().replace(/\.$/, ''));
    if (out.size >= 20) break;
  }
  return [...out];
}

/**
 * The bounce as the blocks say it: the first failure (else delay) among them. `own`: the blocks are those of the
 * address we mailed, among other recipients' blocks: their diagnostic alone is read (the report's text may be about
 * another recipient).
 */
function judgeBlocks(input: MailInput, body: string, blocks: DsnRecipient[], own: boolean): BounceResult {
  const failed = failing(blocks);
  const diag = own && failed?.diagnostic ? failed.diagnostic : [failed?.diagnostic ?? '', body.slice(0, 4000)].join(' ');
  const status = failed?.status ?? STATUS_RE.exec(' ' + fold(diag))?.slice(1, 4).join('.');
  const cat = categorize(diag, status);
  const delayed = failed?.action === 'delayed' || status?.[0] === '4';
  const type: BounceType = delayed ? 'soft' : typeFor(cat, status, diag);
  const recipient = failed?.recipient ?? firstAddress(header(input, 'x-failed-recipients'), [input.from.toLowerCase()]) ?? blocks[0]?.recipient;
  return {
    type,
    status,
    recipient,
    category: delayed && !cat ? 'delayed' : cat?.name ?? 'other',
    ...(failed?.action === 'delayed' ? { delayed: true } : {}),
    confidence: failed ? 0.98 : 0.9,
    reason: `delivery status report${status ? ` ${status}` : ''}${cat ? ` (${cat.name.replace(/_/g, ' ')})` : ''}`,
  };
}

/**
 * A report with blocks of its own for the address we mailed (`own`), among others (`all`): judged by those alone.
 * When they say it was delivered, relayed or expanded, the failure is another recipient's: category `delivered`,
 * nothing to do for ours.
 */
function judgeOwn(input: MailInput, body: string, own: DsnRecipient[], all: DsnRecipient[], mailed: string[]): BounceResult {
  const others = all.length > own.length;
  if (own.every(succeeded)) {
    const r = own[0]!;
    const addr = mailed.find((a) => names(r, a)) ?? r.recipient;
    const other = failing(all.filter((x) => !own.includes(x)));
    return {
      type: 'soft',
      status: r.status,
      recipient: addr,
      category: 'delivered',
      delivered: true,
      confidence: 0.98,
      reason: `delivery status report: ${addr} ${r.action ?? 'delivered'}${r.status ? ` ${r.status}` : ''}; the failure is another recipient's${other?.recipient ? ` (${other.recipient}${other.status ? ` ${other.status}` : ''})` : ''}`,
    };
  }
  const res = judgeBlocks(input, body, own, others);
  return others ? { ...res, reason: `${res.reason}, for ${res.recipient ?? 'the address we mailed'}` } : res;
}

/**
 * The bounce for one address, judged by its own blocks in a delivery-status text (Final-Recipient, else Original-
 * Recipient): null when there is no block for the address. `delivered` when its blocks report a delivery. `text`: the
 * report's human-readable part, read for the cause when the address's block has no diagnostic (may be empty).
 */
export function bounceFor(deliveryStatus: string | null | undefined, address: string, text = ''): BounceResult | null {
  if (!deliveryStatus || !address) return null;
  const a = address.trim().toLowerCase();
  const all = parseDeliveryStatus(deliveryStatus);
  const own = ownBlocks(all, [a]);
  if (!own.length) return null;
  const input: MailInput = { headers: {}, subject: '', from: '', text, contentType: '', deliveryStatus };
  return judgeOwn(input, fold(text.slice(0, 30_000)), own, all, [a]);
}

/** Is this message a bounce? Null when not. */
export function detectBounce(input: MailInput): BounceResult | null {
  const ct = input.contentType.toLowerCase();
  const subject = foldMemo(input.subject);
  const from = input.from.toLowerCase();
  const fromName = foldMemo(input.fromName ?? '');
  const body = foldMemo(input.text.slice(0, 30_000));
  const exclude = [from];

  // 1. RFC 3464: a delivery-status report.
  const dsnText = input.deliveryStatus ?? '';
  const isReport = /multipart\/report/.test(ct) && /report-type\s*=\s*"?delivery-status/.test(ct);
  if (dsnText || isReport) {
    const recipients = parseDeliveryStatus(dsnText);
    if (recipients.length > 0 && recipients.every(succeeded)) return null; // a success notification, not a bounce
    // The address we mailed (the attached original's To) is judged by its own block: another recipient's failure
    // (a second address on the original, a list member) says nothing about it.
    const mailed = originalRecipients(input);
    const own = mailed.length ? ownBlocks(recipients, mailed) : [];
    if (own.length) return judgeOwn(input, body, own, recipients, mailed);
    return judgeBlocks(input, body, recipients, false);
  }

  // 2. No DSN part: recognize the bounce by sender, subject and body.
  const failedHdr = header(input, 'x-failed-recipients');
  const senderHit = BOUNCE_SENDER.test(from) || BOUNCE_SENDER_NAME.test(fromName);
  const subjectHit = BOUNCE_SUBJECT.test(subject);
  // Each branch of the DSN-fields pattern contains one of these strings: without them it cannot match (same result).
  const dsnFields = DSN_FIELD_WORDS.some((w) => body.includes(w)) && /^[^\S\r\n]*(final-recipient|diagnostic-code|action:\s*failed|status:\s*[45]\.)/m.test(body);
  let score = 0;
  if (failedHdr) score += 3;
  if (senderHit) score += 2;
  if (subjectHit) score += 2;
  if (dsnFields) score += 2;
  // The two body scans are the costly part: with nothing else found, a reply without the strong text can
  // reach at most 2, so the long pattern list is only read when it can matter (same result).
  const strong = STRONG_BODY_WORDS.some((w) => body.includes(w)) && STRONG_BODY.test(body);
  if (strong) score += 2;
  if (score + 2 < 4) return null;
  const bodyHit = BOUNCE_BODY.test(body);
  if (bodyHit) score += 2;
  // A human writing "undeliverable" once is not a bounce: two independent signals are needed.
  if (score < 4) return null;
  const statusM = STATUS_RE.exec(' ' + body);
  let status = statusM ? statusM.slice(1, 4).join('.') : undefined;
  // Several status codes: the failure (5.x.x) wins over a 2.0.0 for another recipient.
  if (status?.[0] === '2') {
    const all = [...(' ' + body).matchAll(STATUS_RE_G)].map((x) => x.slice(1, 4).join('.'));
    status = all.find((s) => s[0] === '5') ?? all.find((s) => s[0] === '4') ?? status;
  }
  const cat = categorize(body.slice(0, 8000), status);
  const delayedText = /delayed|has not yet been delivered|will (continue to )?(retry|try)|still trying|warning:|verzogert|retarde|retrasad|ritardat|vertraagd|atrasad/.test(subject + ' ' + body.slice(0, 2000)) && !/permanent|giving up|failed permanently/.test(body.slice(0, 4000));
  const ses = /"bouncetype"\s*:\s*"(permanent|transient|undetermined)"/.exec(body);
  const type: BounceType = ses ? (ses[1] === 'permanent' ? 'hard' : 'soft') : delayedText || status?.[0] === '4' ? 'soft' : typeFor(cat, status, body.slice(0, 8000));
  const recipient = failedHdr ? firstAddress(failedHdr, exclude) ?? failedHdr.trim().toLowerCase() : firstAddress(input.text.slice(0, 8000), exclude);
  return {
    type,
    status,
    recipient,
    category: cat?.name ?? (delayedText ? 'delayed' : 'other'),
    ...(delayedText && !ses ? { delayed: true } : {}),
    confidence: Math.min(0.95, 0.5 + score * 0.06),
    reason: `${[failedHdr && 'X-Failed-Recipients', senderHit && 'daemon sender', subjectHit && 'bounce subject', bodyHit && 'bounce text', dsnFields && 'DSN fields'].filter(Boolean).join(', ')}${status ? ` ${status}` : ''}${cat ? ` (${cat.name.replace(/_/g, ' ')})` : ''}`,
  };
}
