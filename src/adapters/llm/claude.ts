// Claude through the official SDKs: @anthropic-ai/sdk for the Claude API and @anthropic-ai/bedrock-sdk for
// Amazon Bedrock (same Messages shape, SigV4 auth). Retries on 408/409/429/5xx/529 are the SDK's, which honour
// retry-after; outputs are forced through a strict tool schema and validated again here.
import Anthropic from '@anthropic-ai/sdk';
import { z } from 'zod';
import { costUsd } from '../../domain/pricing.js';
import {
  CLASSIFY_TOOL_NAME,
  EMAIL_TOOL_NAME,
  approxTokens,
  classifyMessageParams,
  emailMessageParams,
} from './prompt.js';
import {
  ModelError,
  type BatchItem,
  type BatchOptions,
  type BatchOutcome,
  type CallOptions,
  type ClassifyInput,
  type ClassifyResult,
  type EmailRequest,
  type EmailResult,
  type ModelAdapter,
  type ModelConfig,
  type Usage,
} from './types.js';

type Client = Anthropic; // AnthropicBedrock extends the same base; we only use messages.create / batches.

const EmailOut = z.strictObject({ subject: z.string().trim().min(1).max(300), body: z.string().trim().min(1).max(20_000) });
const ClassifyOut = z.strictObject({
  label: z.enum(['WARM', 'COLD', 'NEUTRAL', 'UNSUBSCRIBE']),
  confidence: z.number().min(0).max(1),
  reason: z.string().max(2000),
});

interface RawUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
}

export function toUsage(model: string, u: RawUsage | undefined, batch = false): Usage {
  const usage = {
    inputTokens: u?.input_tokens ?? 0,
    outputTokens: u?.output_tokens ?? 0,
    cacheReadTokens: u?.cache_read_input_tokens ?? 0,
    cacheWriteTokens: u?.cache_creation_input_tokens ?? 0,
  };
  return { ...usage, costUsd: costUsd(model, usage, { batch }) };
}

function toolInput(message: { content?: { type: string; name?: string; input?: unknown }[] }, name: string): unknown {
  const block = message.content?.find((b) => b.type === 'tool_use' && b.name === name);
  if (!block) throw new ModelError(`the model did not call the ${name} tool`);
  return block.input;
}

/** Maps SDK errors to messages a user can act on. */
export function describeError(err: unknown, provider: string): ModelError {
  if (err instanceof ModelError) return err;
  const e = err as { status?: number; message?: string; name?: string; error?: { error?: { message?: string } } };
  const status = e.status;
  const detail = e.error?.error?.message ?? e.message ?? String(err);
  if (e.name === 'APIUserAbortError' || e.name === 'AbortError') return new ModelError('aborted', { retryable: false });
  if (status === 401 || status === 403)
    return new ModelError(
      provider === 'bedrock'
        ? `Bedrock refused the credentials (${status}): ${detail}. Check AWS credentials, AWS_REGION and model access.`
        : `The Claude API refused the key (${status}): ${detail}. Check ANTHROPIC_API_KEY.`,
      { status },
    );
  if (status === 429 || status === 529) return new ModelError(`the model API is ${status === 429 ? 'rate limiting' : 'overloaded'} (${status}) after retries: ${detail}`, { status, retryable: true });
  if (status && status >= 500) return new ModelError(`the model API failed (${status}) after retries: ${detail}`, { status, retryable: true });
  if (status === 400 || status === 404 || status === 413) return new ModelError(`the model API rejected the request (${status}): ${detail}`, { status });
  return new ModelError(`model call failed: ${detail}`, { status, retryable: !status });
}

export class ClaudeAdapter implements ModelAdapter {
  readonly provider: 'anthropic' | 'bedrock';
  readonly model: string;
  readonly supportsBatch: boolean;
  private readonly client: Client;
  private readonly maxTokens: number;

  constructor(provider: 'anthropic' | 'bedrock', model: string, client: Client, cfg: ModelConfig) {
    this.provider = provider;
    this.model = model;
    this.client = client;
    this.supportsBatch = provider === 'anthropic';
    this.maxTokens = cfg.maxOutputTokens ?? 1024;
  }

  private async create(params: Record<string, unknown>, opts: CallOptions): Promise<{ content: any[]; usage: RawUsage; stop_reason?: string | null }> {
    try {
      return (await this.client.messages.create(
        { model: this.model, max_tokens: this.maxTokens, ...params } as any,
        { signal: opts.signal },
      )) as any;
    } catch (err) {
      throw describeError(err, this.provider);
    }
  }

  async classifyReply(input: ClassifyInput, opts: CallOptions = {}): Promise<ClassifyResult> {
    const params = { ...classifyMessageParams(input), max_tokens: 300, temperature: 0 };
    let lastProblem = '';
    const total = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0 };
    // One retry when the output does not validate; the second failure is an error, never a guessed label.
    for (let attempt = 0; attempt < 2; attempt++) {
      let msg: Awaited<ReturnType<ClaudeAdapter['create']>>;
      try {
        msg = await this.create(params, opts);
      } catch (err) {
        // A first answer was billed (then refused): the error carries what it cost, for the spend record.
        if (attempt > 0) (err as ModelError & { usage?: Usage }).usage = roundUsage(total);
        throw err;
      }
      const u = toUsage(this.model, msg.usage);
      for (const k of Object.keys(total) as (keyof Usage)[]) total[k] += u[k];
      const parsed = ClassifyOut.safeParse(safeToolInput(msg, CLASSIFY_TOOL_NAME));
      if (parsed.success) {
        return { label: parsed.data.label, confidence: parsed.data.confidence, reason: parsed.data.reason.slice(0, 500), usage: roundUsage(total) };
      }
      lastProblem = parsed.error.issues.map((i) => `${i.path.join('.') || 'output'}: ${i.message}`).join('; ');
    }
    const e = new ModelError(`the model returned an invalid classification twice (${lastProblem})`);
    // Both answers were billed: the caller records the spend although no label came of them.
    (e as ModelError & { usage?: Usage }).usage = roundUsage(total);
    throw e;
  }

  async writeEmail(req: EmailRequest, opts: CallOptions = {}): Promise<EmailResult> {
    const msg = await this.create({ ...emailMessageParams(req), temperature: 0.7 }, opts);
    return parseEmail(msg, toUsage(this.model, msg.usage));
  }

  estimateEmail(req: EmailRequest, opts: { cached?: boolean; batch?: boolean; worstCase?: boolean } = {}): Usage {
    const params = emailMessageParams(req);
    const prefixText = JSON.stringify(params.tools) + params.system.map((b) => b.text).join('');
    const restText = JSON.stringify(params.messages);
    // Worst case (what --max-spend reserves): tokenization 25% denser than estimated, no cache hit, and the
    // whole output budget used; so the limit holds even when a call costs more than usual.
    const k = opts.worstCase ? 1.25 : 1;
    const prefix = Math.ceil(approxTokens(prefixText) * k);
    const rest = Math.ceil(approxTokens(restText) * k);
    const output = opts.worstCase ? this.maxTokens : Math.min(this.maxTokens, Math.ceil(req.prefix.maxWords * 1.6) + 60);
    const usage = opts.cached && !opts.worstCase
      ? { inputTokens: rest, outputTokens: output, cacheReadTokens: prefix, cacheWriteTokens: 0 }
      : { inputTokens: rest, outputTokens: output, cacheReadTokens: 0, cacheWriteTokens: prefix };
    return { ...usage, costUsd: costUsd(this.model, usage, { batch: opts.batch }) };
  }

  async writeEmailsBatch(items: BatchItem<EmailRequest>[], opts: BatchOptions = {}): Promise<Map<string, BatchOutcome>> {
    if (!this.supportsBatch) throw new ModelError('the Message Batches API is only available on the Claude API provider');
    const out = new Map<string, BatchOutcome>();
    if (!items.length && !opts.resumeBatchId) return out;
    const batches = this.client.messages.batches;
    let id = opts.resumeBatchId;
    try {
      if (!id) {
        const created = await batches.create(
          {
            requests: items.map((it) => ({
              custom_id: it.id,
              params: { model: this.model, max_tokens: this.maxTokens, temperature: 0.7, ...emailMessageParams(it.request) } as any,
            })),
          },
          { signal: opts.signal },
        );
        id = created.id;
        opts.onCreated?.(id);
      }
      const interval = opts.pollIntervalMs ?? 30_000;
      for (;;) {
        const b = await batches.retrieve(id, {}, { signal: opts.signal });
        opts.onPoll?.({ id, processing: b.request_counts.processing, succeeded: b.request_counts.succeeded, errored: b.request_counts.errored });
        if (b.processing_status === 'ended') break;
        await sleep(interval, opts.signal);
      }
      for await (const r of await batches.results(id, {}, { signal: opts.signal })) {
        const res = r.result as any;
        if (res.type === 'succeeded') {
          try {
            out.set(r.custom_id, { ok: true, result: parseEmail(res.message, toUsage(this.model, res.message.usage, true)) });
          } catch (err) {
            out.set(r.custom_id, { ok: false, error: (err as Error).message });
          }
        } else {
          const detail = res.type === 'errored' ? res.error?.error?.message ?? res.error?.message ?? 'error' : res.type;
          out.set(r.custom_id, { ok: false, error: `batch request ${res.type}: ${detail}` });
        }
      }
    } catch (err) {
      throw describeError(err, this.provider);
    }
    return out;
  }
}

function safeToolInput(msg: { content?: any[] }, name: string): unknown {
  try {
    return toolInput(msg, name);
  } catch {
    return undefined;
  }
}

function parseEmail(msg: { content?: any[]; stop_reason?: string | null }, usage: Usage): EmailResult {
  const parsed = EmailOut.safeParse(safeToolInput(msg, EMAIL_TOOL_NAME));
  if (!parsed.success) {
    const why = msg.stop_reason === 'max_tokens' ? 'it ran out of output tokens' : parsed.error.issues.map((i) => `${i.path.join('.') || 'output'}: ${i.message}`).join('; ');
    const e = new ModelError(`the model returned no valid email (${why})`);
    (e as ModelError & { usage?: Usage }).usage = usage;
    throw e;
  }
  return { subject: parsed.data.subject.replace(/\s+/g, ' ').trim(), body: parsed.data.body.replace(/\r\n/g, '\n').trim(), usage };
}

function roundUsage(u: Usage): Usage {
  return { ...u, costUsd: Math.round(u.costUsd * 1e8) / 1e8 };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((ok, fail) => {
    if (signal?.aborted) return fail(new ModelError('aborted'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      ok();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      fail(new ModelError('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
