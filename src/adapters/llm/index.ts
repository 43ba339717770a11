// One model adapter, three providers. `createModelAdapter(config)` is what stages call: `draft` writes
// emails with it, `inbox` classifies replies. The CLI reads the environment and passes it in as config.
import Anthropic from '@anthropic-ai/sdk';
import { AnthropicBedrock } from '@anthropic-ai/bedrock-sdk';
import { UserError } from '../../errors.js';
import { ClaudeAdapter } from './claude.js';
import { classifyOffline } from './offline.js';
import {
  DEFAULT_MODELS,
  ModelError,
  type BatchOutcome,
  type ClassifyInput,
  type ClassifyResult,
  type EmailRequest,
  type EmailResult,
  type ModelAdapter,
  type ModelConfig,
  type Provider,
} from './types.js';

export * from './types.js';
export { classifyOffline } from './offline.js';
export { defang, untrusted, EMAIL_RULES, CLASSIFY_RULES } from './prompt.js';

const ZERO = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0 };

/**
 * Shared backoff for all the calls of one adapter: when the API answers 429 or 529, every call waits until the
 * retry-after time (or a short default) before its next request, instead of each call hammering on its own.
 * The SDK still retries the failed call itself, honouring the same header.
 */
export class Backoff {
  private until = 0;
  pause(ms: number): void {
    this.until = Math.max(this.until, Date.now() + Math.min(Math.max(ms, 0), 60_000));
  }
  async wait(signal?: AbortSignal | null): Promise<void> {
    for (let left = this.until - Date.now(); left > 0; left = this.until - Date.now()) {
      if (signal?.aborted) return;
      await new Promise((r) => setTimeout(r, left));
    }
  }
  fetch(base: typeof fetch = fetch): typeof fetch {
    return (async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
      await this.wait(init?.signal);
      const res = await base(input, init);
      if (res.status === 429 || res.status === 529) this.pause(retryAfterMs(res.headers) ?? 1000);
      return res;
    }) as typeof fetch;
  }
}

function retryAfterMs(h: Headers): number | null {
  const ms = Number(h.get('retry-after-ms'));
  if (Number.isFinite(ms) && ms > 0) return ms;
  const v = h.get('retry-after');
  if (!v) return null;
  const s = Number(v);
  if (Number.isFinite(s)) return s * 1000;
  const d = Date.parse(v);
  return Number.isNaN(d) ? null : d - Date.now();
}

class OfflineAdapter implements ModelAdapter {
  readonly provider = 'offline' as const;
  readonly model = DEFAULT_MODELS.offline;
  readonly supportsBatch = false;
  async classifyReply(input: ClassifyInput): Promise<ClassifyResult> {
    return classifyOffline(input);
  }
  async writeEmail(req: EmailRequest): Promise<EmailResult> {
    return { subject: req.lead.renderedSubject, body: req.lead.renderedBody, usage: { ...ZERO } };
  }
  async writeEmailsBatch(): Promise<Map<string, BatchOutcome>> {
    throw new ModelError('the offline provider has no batch mode (and needs none)');
  }
  estimateEmail() {
    return { ...ZERO };
  }
}

/** `auto` resolution, used by the CLI: the Claude API when a key is set, else offline. */
export function resolveProvider(wanted: Provider | 'auto' | null | undefined, env: { apiKey?: string }): Provider {
  if (wanted && wanted !== 'auto') return wanted;
  return env.apiKey ? 'anthropic' : 'offline';
}

export function createModelAdapter(config: ModelConfig): ModelAdapter {
  const model = config.model || DEFAULT_MODELS[config.provider];
  const maxRetries = config.maxRetries ?? 6;
  const timeout = config.timeoutMs ?? 120_000;
  switch (config.provider) {
    case 'offline':
      return new OfflineAdapter();
    case 'anthropic': {
      if (!config.apiKey) {
        throw new UserError(
          'The anthropic provider needs ANTHROPIC_API_KEY.',
          'Set it in .env (see .env.example), or use --provider offline to write drafts from templates alone.',
        );
      }
      const client = new Anthropic({
        apiKey: config.apiKey,
        authToken: null,
        baseURL: config.baseURL || 'https://api.anthropic.com',
        maxRetries,
        timeout,
        fetch: new Backoff().fetch(),
      });
      return new ClaudeAdapter('anthropic', model, client, config);
    }
    case 'bedrock': {
      const region = config.awsRegion;
      if (!region) {
        throw new UserError('The bedrock provider needs an AWS region.', 'Set AWS_REGION (e.g. us-east-1) in the environment or .env.');
      }
      const client = new AnthropicBedrock({
        awsRegion: region,
        // null: never fall back to a bearer token from the environment unless the CLI passed one.
        apiKey: config.bedrockApiKey ?? null,
        ...(config.awsAccessKey && config.awsSecretKey
          ? { awsAccessKey: config.awsAccessKey, awsSecretKey: config.awsSecretKey, awsSessionToken: config.awsSessionToken ?? null }
          : {}),
        ...(config.baseURL ? { baseURL: config.baseURL } : {}),
        maxRetries,
        timeout,
        fetch: new Backoff().fetch(),
      } as ConstructorParameters<typeof AnthropicBedrock>[0]);
      return new ClaudeAdapter('bedrock', model, client as unknown as Anthropic, config);
    }
    default:
      throw new UserError(`Unknown model provider "${String((config as { provider: unknown }).provider)}".`, 'Use anthropic, bedrock or offline.');
  }
}
