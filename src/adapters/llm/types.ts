// The model adapter's contract: what `draft` (emails) and `inbox` (reply classification) call.
// Providers: the Claude API, Amazon Bedrock, and offline (templates and rules, no network).

export type Provider = 'anthropic' | 'bedrock' | 'offline';
export type ReplyLabel = 'WARM' | 'COLD' | 'NEUTRAL' | 'UNSUBSCRIBE';

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  costUsd: number;
}

export interface ClassifyInput {
  subject?: string;
  text: string;
}

export interface ClassifyResult {
  label: ReplyLabel;
  confidence: number;
  reason: string;
  usage: Usage;
}

/** A fact as the model sees it: key, value and where it was observed. All of it is untrusted data. */
export interface PromptFact {
  key: string;
  value: string;
  source?: string | null;
}

/** The shared (cacheable) part of a drafting request: identical for every lead of one campaign variant. */
export interface EmailPrefix {
  sender: { name: string; company: string; website: string; email: string };
  /** The ideal-customer profile as text (YAML). */
  profile: string;
  offer: string;
  niche: string;
  templateName: string;
  /** The template text (subject and body, variables unrendered). */
  templateSubject: string;
  templateBody: string;
  maxWords: number;
  maxSubjectChars: number;
  allowedDomains: string[];
}

/** The per-lead part of a drafting request. */
export interface EmailLead {
  storeName: string;
  domain: string;
  firstName: string | null;
  country: string | null;
  facts: PromptFact[];
  scoreReasons: string[];
  /** The template rendered for this lead (offline draft), as a starting point. */
  renderedSubject: string;
  renderedBody: string;
}

export interface EmailStep {
  position: number;
  totalSteps: number;
  /** Earlier emails of this sequence (for follow-ups), oldest first. */
  previous: { subject: string; body: string }[];
  /** Reviewer's note when a draft is regenerated. */
  instructions?: string;
}

export interface EmailRequest {
  prefix: EmailPrefix;
  lead: EmailLead;
  step: EmailStep;
}

export interface EmailResult {
  subject: string;
  body: string;
  usage: Usage;
}

export interface BatchItem<T> {
  id: string;
  request: T;
}

export type BatchOutcome = { ok: true; result: EmailResult } | { ok: false; error: string };

export interface CallOptions {
  signal?: AbortSignal;
}

export interface BatchOptions extends CallOptions {
  pollIntervalMs?: number;
  /** Called with the batch id as soon as it is created (so a crash can resume it). */
  onCreated?: (batchId: string) => void;
  onPoll?: (status: { id: string; processing: number; succeeded: number; errored: number }) => void;
  /** Resume this existing batch instead of creating one. */
  resumeBatchId?: string;
}

export interface ModelAdapter {
  readonly provider: Provider;
  readonly model: string;
  /** The Message Batches API is available (Claude API only). */
  readonly supportsBatch: boolean;
  classifyReply(input: ClassifyInput, opts?: CallOptions): Promise<ClassifyResult>;
  /** Writes one email. Offline returns the rendered template unchanged. */
  writeEmail(req: EmailRequest, opts?: CallOptions): Promise<EmailResult>;
  /** Writes many emails through the Message Batches API (50% cheaper, minutes to hours). */
  writeEmailsBatch(items: BatchItem<EmailRequest>[], opts?: BatchOptions): Promise<Map<string, BatchOutcome>>;
  /** Estimated usage and cost of one call, before making it (for --dry-run and --max-spend). */
  estimateEmail(req: EmailRequest, opts?: { cached?: boolean; batch?: boolean; worstCase?: boolean }): Usage;
}

export interface ModelConfig {
  provider: Provider;
  /** Model id; empty for the provider's default. */
  model?: string;
  /** Claude API key (ANTHROPIC_API_KEY), read by the CLI. */
  apiKey?: string;
  /** Claude API base URL (ANTHROPIC_BASE_URL) or the Bedrock endpoint override. */
  baseURL?: string;
  /** Bedrock: region (AWS_REGION); credentials come from the standard AWS chain unless given here. */
  awsRegion?: string;
  awsAccessKey?: string;
  awsSecretKey?: string;
  awsSessionToken?: string;
  /** Bedrock API key (AWS_BEARER_TOKEN_BEDROCK). */
  bedrockApiKey?: string;
  /** Retries on 408/409/429/5xx/529, honouring retry-after (default 6). */
  maxRetries?: number;
  timeoutMs?: number;
  maxOutputTokens?: number;
}

export const DEFAULT_MODELS: Record<Provider, string> = {
  anthropic: 'claude-sonnet-4-6',
  bedrock: 'us.anthropic.claude-sonnet-4-6',
  offline: 'templates',
};

export class ModelError extends Error {
  readonly status?: number;
  readonly retryable: boolean;
  constructor(message: string, opts: { status?: number; retryable?: boolean } = {}) {
    super(message);
    this.name = 'ModelError';
    this.status = opts.status;
    this.retryable = opts.retryable ?? false;
  }
}
