// The pipeline's data model: one SQLite file, one table per noun.
// Migrations in migrations/ are generated from this file with `npm run db:generate` (drizzle-kit)
// and applied automatically when the database is opened. Times are ISO-8601 UTC strings.
import { sql } from 'drizzle-orm';
import {
  sqliteTable,
  integer,
  text,
  real,
  blob,
  index,
  uniqueIndex,
  primaryKey,
} from 'drizzle-orm/sqlite-core';

const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`;

/** One audit row per command run. */
export const runs = sqliteTable('runs', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  command: text('command').notNull(),
  args: text('args'), // JSON array, secrets never included
  pid: integer('pid'),
  startedAt: text('started_at').notNull().default(now),
  endedAt: text('ended_at'),
  status: text('status').notNull().default('running'), // running | ok | failed | interrupted
  counts: text('counts'), // JSON object
  errorCount: integer('error_count').notNull().default(0),
  error: text('error'),
});

/** One lead per store, keyed by its normalized (ASCII, punycode) domain. */
export const leads = sqliteTable(
  'leads',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    domain: text('domain').notNull(),
    domainUnicode: text('domain_unicode'), // the Unicode form; NULL when it is the domain itself (older rows may repeat it): read COALESCE(domain_unicode, domain)
    url: text('url'), // how to reach the store (scheme, host, optional port)
    company: text('company'),
    country: text('country'), // ISO 3166-1 alpha-2
    stage: text('stage').notNull().default('new'),
    source: text('source').notNull().default('import'), // import | file | search:<provider>
    keyword: text('keyword'),
    isShopify: integer('is_shopify', { mode: 'boolean' }),
    shopifyConfidence: real('shopify_confidence'),
    shopifyEvidence: text('shopify_evidence'), // JSON array of strings
    storeStatus: text('store_status'), // open | password | unreachable
    checkedAt: text('checked_at'),
    enrichStatus: text('enrich_status'), // pending | done | error
    enrichError: text('enrich_error'),
    enrichedAt: text('enriched_at'),
    notes: text('notes'),
    createdAt: text('created_at').notNull().default(now),
    updatedAt: text('updated_at').notNull().default(now),
  },
  (t) => [
    uniqueIndex('leads_domain_uq').on(t.domain),
    index('leads_stage_idx').on(t.stage),
  ],
);

export const leadTags = sqliteTable(
  'lead_tags',
  {
    leadId: integer('lead_id')
      .notNull()
      .references(() => leads.id, { onDelete: 'cascade' }),
    tag: text('tag').notNull(),
    createdAt: text('created_at').notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.leadId, t.tag] }), index('lead_tags_tag_idx').on(t.tag)],
);

/** People (email addresses) at a lead, with validation state and where we learned of them. */
export const contacts = sqliteTable(
  'contacts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    leadId: integer('lead_id')
      .notNull()
      .references(() => leads.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    firstName: text('first_name'),
    lastName: text('last_name'),
    title: text('title'),
    phone: text('phone'),
    isPrimary: integer('is_primary', { mode: 'boolean' }).notNull().default(false),
    isRole: integer('is_role', { mode: 'boolean' }).notNull().default(false),
    validation: text('validation').notNull().default('unchecked'), // unchecked | syntax_ok | valid | invalid | no_mx | disposable
    validationReason: text('validation_reason'),
    validatedAt: text('validated_at'),
    source: text('source').notNull().default('import'),
    sourceUrl: text('source_url'),
    createdAt: text('created_at').notNull().default(now),
    updatedAt: text('updated_at').notNull().default(now),
  },
  (t) => [
    uniqueIndex('contacts_lead_email_uq').on(t.leadId, t.email),
    // One index for both lookups by address: the exact email (suppress, forget, inbox) and a reply from a
    // colleague at the same company (an unknown address at a contact's domain). Keyed (email domain, email): a
    // lookup by address must name both (src/db/contacts.ts, CONTACT_EMAIL_IS). It replaced an index on email
    // and one on the email domain: one index to build instead of two after a big import (0.7 s less on
    // 1,000,000 contacts) and 10 MB less to write.
    index('contacts_domain_email_idx').on(sql`substr(${t.email}, instr(${t.email}, '@') + 1)`, t.email),
  ],
);

/** Each enrichment fact, with its source URL and when it was observed. Multi-valued keys have one row per value. */
export const facts = sqliteTable(
  'facts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    leadId: integer('lead_id')
      .notNull()
      .references(() => leads.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    value: text('value').notNull(), // JSON-encoded value
    sourceUrl: text('source_url'),
    observedAt: text('observed_at').notNull().default(now),
    runId: integer('run_id'),
  },
  (t) => [uniqueIndex('facts_lead_key_value_uq').on(t.leadId, t.key, t.value), index('facts_key_idx').on(t.key)],
);

/** Latest fit and intent score of each lead, with the factor-by-factor breakdown. */
export const scores = sqliteTable(
  'scores',
  {
    leadId: integer('lead_id')
      .primaryKey()
      .references(() => leads.id, { onDelete: 'cascade' }),
    fit: integer('fit').notNull(),
    intent: integer('intent').notNull(),
    fitConfidence: real('fit_confidence').notNull().default(1),
    intentConfidence: real('intent_confidence').notNull().default(1),
    factors: text('factors').notNull(), // JSON array of {kind, name, observed, weight, points, evidence[]}
    profileVersion: text('profile_version').notNull(),
    scoredAt: text('scored_at').notNull().default(now),
  },
  (t) => [index('scores_fit_idx').on(t.fit), index('scores_intent_idx').on(t.intent)],
);

export const campaigns = sqliteTable(
  'campaigns',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    name: text('name').notNull(),
    status: text('status').notNull().default('active'), // active | paused | archived
    offer: text('offer'), // free text or an offer template name
    niche: text('niche'),
    provider: text('provider'), // anthropic | bedrock | offline (null: automatic)
    model: text('model'),
    filter: text('filter'), // JSON {minFit, maxFit, minIntent, maxIntent, tag, country}
    autoApprove: integer('auto_approve', { mode: 'boolean' }).notNull().default(false),
    settings: text('settings'), // JSON: anything else a stage needs per campaign
    createdAt: text('created_at').notNull().default(now),
    updatedAt: text('updated_at').notNull().default(now),
  },
  (t) => [uniqueIndex('campaigns_name_uq').on(t.name)],
);

/** A campaign's sequence: step 1 is the first email, later steps are follow-ups in the same thread. */
export const steps = sqliteTable(
  'steps',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    campaignId: integer('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    delayDays: integer('delay_days').notNull().default(0), // business days after the previous step
    createdAt: text('created_at').notNull().default(now),
  },
  (t) => [uniqueIndex('steps_campaign_position_uq').on(t.campaignId, t.position)],
);

export const variants = sqliteTable(
  'variants',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    stepId: integer('step_id')
      .notNull()
      .references(() => steps.id, { onDelete: 'cascade' }),
    label: text('label').notNull(), // A, B, ...
    weight: real('weight').notNull().default(1),
    template: text('template'), // template name in templates/ (or null for inline)
    subject: text('subject'), // inline subject template
    body: text('body'), // inline body template
    createdAt: text('created_at').notNull().default(now),
  },
  (t) => [uniqueIndex('variants_step_label_uq').on(t.stepId, t.label)],
);

/** A lead's membership of a campaign: where it is in the sequence and why it stopped. */
export const enrollments = sqliteTable(
  'enrollments',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    campaignId: integer('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    leadId: integer('lead_id')
      .notNull()
      .references(() => leads.id, { onDelete: 'cascade' }),
    contactId: integer('contact_id').references(() => contacts.id, { onDelete: 'set null' }),
    status: text('status').notNull().default('active'), // active | paused | stopped | completed
    stopReason: text('stop_reason'),
    pausedUntil: text('paused_until'),
    mailboxId: integer('mailbox_id').references(() => mailboxes.id, { onDelete: 'set null' }), // the thread's mailbox
    threadMessageId: text('thread_message_id'), // Message-ID of the first email
    createdAt: text('created_at').notNull().default(now),
    updatedAt: text('updated_at').notNull().default(now),
  },
  (t) => [
    uniqueIndex('enrollments_campaign_lead_uq').on(t.campaignId, t.leadId),
    index('enrollments_lead_idx').on(t.leadId),
    index('enrollments_status_idx').on(t.status),
    index('enrollments_thread_idx').on(t.threadMessageId), // inbox: threading a reply by the first email's Message-ID
  ],
);

/** Deterministic A/B assignment of an enrollment to a variant of each step, recorded once. */
export const assignments = sqliteTable(
  'assignments',
  {
    enrollmentId: integer('enrollment_id')
      .notNull()
      .references(() => enrollments.id, { onDelete: 'cascade' }),
    stepId: integer('step_id')
      .notNull()
      .references(() => steps.id, { onDelete: 'cascade' }),
    variantId: integer('variant_id')
      .notNull()
      .references(() => variants.id, { onDelete: 'cascade' }),
    createdAt: text('created_at').notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.enrollmentId, t.stepId] })],
);

export const drafts = sqliteTable(
  'drafts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    enrollmentId: integer('enrollment_id')
      .notNull()
      .references(() => enrollments.id, { onDelete: 'cascade' }),
    stepId: integer('step_id')
      .notNull()
      .references(() => steps.id, { onDelete: 'cascade' }),
    variantId: integer('variant_id').references(() => variants.id, { onDelete: 'set null' }),
    leadId: integer('lead_id')
      .notNull()
      .references(() => leads.id, { onDelete: 'cascade' }),
    contactId: integer('contact_id').references(() => contacts.id, { onDelete: 'set null' }),
    subject: text('subject').notNull(),
    bodyText: text('body_text').notNull(),
    bodyHtml: text('body_html'),
    status: text('status').notNull().default('pending'), // pending | approved | rejected | blocked | sent
    compliance: text('compliance'), // JSON array of {rule, ok, message, fix}
    claims: text('claims'), // JSON array of unsupported claims flagged by the post-check
    provider: text('provider').notNull(), // anthropic | bedrock | offline
    model: text('model'),
    inputTokens: integer('input_tokens').notNull().default(0),
    outputTokens: integer('output_tokens').notNull().default(0),
    cacheReadTokens: integer('cache_read_tokens').notNull().default(0),
    cacheWriteTokens: integer('cache_write_tokens').notNull().default(0),
    costUsd: real('cost_usd').notNull().default(0),
    error: text('error'),
    reviewedAt: text('reviewed_at'),
    reviewNote: text('review_note'),
    createdAt: text('created_at').notNull().default(now),
    updatedAt: text('updated_at').notNull().default(now),
  },
  (t) => [
    uniqueIndex('drafts_enrollment_step_uq').on(t.enrollmentId, t.stepId),
    index('drafts_status_idx').on(t.status),
    index('drafts_lead_idx').on(t.leadId),
  ],
);

export const mailboxes = sqliteTable(
  'mailboxes',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    name: text('name').notNull(),
    email: text('email').notNull(),
    fromName: text('from_name'),
    smtpHost: text('smtp_host').notNull(),
    smtpPort: integer('smtp_port').notNull().default(587),
    smtpSecurity: text('smtp_security').notNull().default('starttls'), // tls | starttls | none
    smtpUser: text('smtp_user'),
    smtpPasswordEnv: text('smtp_password_env'), // the NAME of an environment variable, never the password
    imapHost: text('imap_host'),
    imapPort: integer('imap_port'),
    imapSecurity: text('imap_security').notNull().default('tls'),
    imapUser: text('imap_user'),
    imapPasswordEnv: text('imap_password_env'),
    sentFolder: text('sent_folder'),
    appendSent: integer('append_sent', { mode: 'boolean' }).notNull().default(false),
    dailyCap: integer('daily_cap').notNull().default(50),
    rampStart: integer('ramp_start').notNull().default(10),
    rampStep: integer('ramp_step').notNull().default(5),
    rampStartedAt: text('ramp_started_at'),
    status: text('status').notNull().default('active'), // active | paused | auth_failed
    statusReason: text('status_reason'),
    createdAt: text('created_at').notNull().default(now),
    updatedAt: text('updated_at').notNull().default(now),
  },
  (t) => [uniqueIndex('mailboxes_name_uq').on(t.name)],
);

/** Outbound messages. State machine: queued → sending → sent | deferred | failed | unknown (cancelled when stopped). */
export const messages = sqliteTable(
  'messages',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    draftId: integer('draft_id').references(() => drafts.id, { onDelete: 'set null' }),
    enrollmentId: integer('enrollment_id').references(() => enrollments.id, { onDelete: 'set null' }),
    leadId: integer('lead_id').references(() => leads.id, { onDelete: 'set null' }),
    contactId: integer('contact_id').references(() => contacts.id, { onDelete: 'set null' }),
    campaignId: integer('campaign_id').references(() => campaigns.id, { onDelete: 'set null' }),
    stepId: integer('step_id').references(() => steps.id, { onDelete: 'set null' }),
    variantId: integer('variant_id').references(() => variants.id, { onDelete: 'set null' }),
    mailboxId: integer('mailbox_id').references(() => mailboxes.id, { onDelete: 'set null' }),
    toEmail: text('to_email').notNull(),
    fromEmail: text('from_email'),
    subject: text('subject'),
    messageId: text('message_id').notNull(), // assigned before the first attempt, kept across retries
    inReplyTo: text('in_reply_to'),
    references: text('references'),
    state: text('state').notNull().default('queued'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: text('next_attempt_at'),
    claimedBy: text('claimed_by'),
    claimedAt: text('claimed_at'),
    lastError: text('last_error'),
    smtpResponse: text('smtp_response'),
    sentAt: text('sent_at'),
    createdAt: text('created_at').notNull().default(now),
    updatedAt: text('updated_at').notNull().default(now),
  },
  (t) => [
    uniqueIndex('messages_message_id_uq').on(t.messageId),
    uniqueIndex('messages_draft_uq').on(t.draftId),
    index('messages_state_idx').on(t.state, t.nextAttemptAt),
    index('messages_lead_idx').on(t.leadId),
    index('messages_mailbox_sent_idx').on(t.mailboxId, t.sentAt),
    index('messages_to_email_idx').on(t.toEmail), // inbox: a bounce names the recipient, a reply its sender
    index('messages_enrollment_idx').on(t.enrollmentId), // inbox threading by enrollment: 242 → 7 µs a lookup
  ],
);

/** Inbound mail: replies, bounces, auto-replies, with their classification and what they were matched to. */
export const inbound = sqliteTable(
  'inbound',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    mailboxId: integer('mailbox_id').references(() => mailboxes.id, { onDelete: 'set null' }),
    folder: text('folder'),
    uid: integer('uid'),
    uidValidity: integer('uid_validity'),
    messageId: text('message_id').notNull(), // header value, or a content hash when the header is missing
    inReplyTo: text('in_reply_to'),
    references: text('references'),
    fromEmail: text('from_email'),
    fromName: text('from_name'),
    toEmail: text('to_email'),
    subject: text('subject'),
    sentDate: text('sent_date'),
    receivedAt: text('received_at').notNull().default(now),
    leadId: integer('lead_id').references(() => leads.id, { onDelete: 'set null' }),
    outboundId: integer('outbound_id').references(() => messages.id, { onDelete: 'set null' }),
    label: text('label'), // WARM | COLD | NEUTRAL | UNSUBSCRIBE | BOUNCE | AUTO_REPLY
    bounceType: text('bounce_type'), // hard | soft
    confidence: real('confidence'),
    reason: text('reason'),
    returnDate: text('return_date'),
    classifier: text('classifier'), // offline | anthropic | bedrock
    bodyText: text('body_text'), // what the person wrote, quotes and signature stripped
    raw: blob('raw', { mode: 'buffer' }), // the original message, capped
    rawSize: integer('raw_size'),
    problem: text('problem'), // what went wrong parsing it, if anything
    processedAt: text('processed_at'),
    // WARM notifications (webhook/command): when one went out, and why the last try failed (retried while set)
    notifiedAt: text('notified_at'),
    notifyError: text('notify_error'),
  },
  (t) => [
    uniqueIndex('inbound_message_id_uq').on(t.messageId),
    index('inbound_lead_idx').on(t.leadId),
    index('inbound_label_idx').on(t.label),
    // No index on (mailbox_id, folder, uid): nothing reads inbound by them, and each stored message paid for one (0008).
  ],
);

/** Per-folder IMAP sync state. */
export const syncState = sqliteTable(
  'sync_state',
  {
    mailboxId: integer('mailbox_id')
      .notNull()
      .references(() => mailboxes.id, { onDelete: 'cascade' }),
    folder: text('folder').notNull(),
    uidValidity: integer('uid_validity'),
    lastUid: integer('last_uid').notNull().default(0),
    highestModseq: text('highest_modseq'), // bigint as text
    syncedAt: text('synced_at'),
  },
  (t) => [primaryKey({ columns: [t.mailboxId, t.folder] })],
);

/** Addresses and domains never to be mailed. Honoured forever; forgotten people are kept only as a hash. */
export const suppressions = sqliteTable(
  'suppressions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    kind: text('kind').notNull(), // email | domain | email_hash | domain_hash
    value: text('value').notNull(),
    reason: text('reason').notNull(), // unsubscribed | bounced | complained | forgotten | manual | imported | left_company
    source: text('source'), // cli | import | inbox | serve | send
    note: text('note'),
    createdAt: text('created_at').notNull().default(now),
  },
  (t) => [uniqueIndex('suppressions_kind_value_uq').on(t.kind, t.value)],
);

/** The lead's timeline. */
export const events = sqliteTable(
  'events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    leadId: integer('lead_id').references(() => leads.id, { onDelete: 'cascade' }),
    type: text('type').notNull(), // imported | discovered | confirmed | enriched | scored | drafted | approved | sent | replied | bounced | unsubscribed | ...
    at: text('at').notNull().default(now),
    campaignId: integer('campaign_id'),
    messageId: integer('message_id'),
    data: text('data'), // JSON
    runId: integer('run_id'),
  },
  (t) => [
    index('events_lead_at_idx').on(t.leadId, t.at),
    index('events_type_at_idx').on(t.type, t.at),
    // inbox: an address's earlier soft bounces (suppressed after repeated ones) without reading every bounce event
    index('events_bounce_email_idx')
      .on(sql`json_extract(${t.data}, '$.email')`)
      .where(sql`${t.type} = 'bounced'`),
  ],
);

/** Model tokens and cost, per call. */
export const spend = sqliteTable(
  'spend',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    runId: integer('run_id'),
    purpose: text('purpose').notNull(), // draft | classify
    draftId: integer('draft_id').references(() => drafts.id, { onDelete: 'set null' }),
    inboundId: integer('inbound_id').references(() => inbound.id, { onDelete: 'set null' }),
    campaignId: integer('campaign_id'),
    provider: text('provider').notNull(),
    model: text('model'),
    inputTokens: integer('input_tokens').notNull().default(0),
    outputTokens: integer('output_tokens').notNull().default(0),
    cacheReadTokens: integer('cache_read_tokens').notNull().default(0),
    cacheWriteTokens: integer('cache_write_tokens').notNull().default(0),
    costUsd: real('cost_usd').notNull().default(0),
    at: text('at').notNull().default(now),
  },
  (t) => [index('spend_at_idx').on(t.at)],
);

/** HTTP validators for conditional requests on refresh (ETag / Last-Modified). */
export const httpCache = sqliteTable('http_cache', {
  url: text('url').primaryKey(),
  etag: text('etag'),
  lastModified: text('last_modified'),
  status: integer('status'),
  fetchedAt: text('fetched_at').notNull().default(now),
});

/** Named advisory locks (e.g. one `inbox sync` at a time), with the holder's pid to detect stale holders. */
export const locks = sqliteTable('locks', {
  name: text('name').primaryKey(),
  holder: text('holder').notNull(),
  pid: integer('pid'),
  acquiredAt: text('acquired_at').notNull().default(now),
  expiresAt: text('expires_at'),
});

/** Small key/value settings kept in the database (schema-level, not user configuration). */
export const meta = sqliteTable('meta', {
  key: text('key').primaryKey(),
  value: text('value'),
});
