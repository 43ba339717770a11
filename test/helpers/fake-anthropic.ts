// A fake Claude API (Messages + Message Batches) and a fake Amazon Bedrock runtime (InvokeModel), on loopback,
// speaking the documented wire formats, so tests and benchmarks point the REAL SDKs at it by base URL.
//
// API
//   const fake = await startFakeAnthropic({ apiKey?, aws?, latencyMs?, minCacheTokens?, batchProcessingMs?, respond? });
//   new Anthropic({ apiKey: fake.apiKey, baseURL: fake.url })                       // @anthropic-ai/sdk
//   new AnthropicBedrock({ baseURL: fake.bedrockUrl, awsRegion: fake.aws.region,
//                          awsAccessKey: fake.aws.accessKeyId, awsSecretKey: fake.aws.secretAccessKey }) // bedrock-sdk
//   createModelAdapter({ provider: 'anthropic', apiKey: fake.apiKey, baseURL: fake.url })  // our adapter
//
//   fake.fail({ status: 429, retryAfter: 1 }, { status: 529 })  queue errors for the next requests (400, 401, 429,
//                                         500, 529 ...; `retryAfter` seconds sets retry-after; `times` repeats one)
//   fake.setResponder(fn) / fake.setLatency(ms)
//   fake.requests      every request: { provider, path, headers, body, userText, systemText, at }
//   fake.stats         { calls, errors, inFlight, maxInFlight, inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens }
//   fake.reset()       clears requests, stats, queued errors and the prompt cache
//   await fake.close()
//
// Auth: the Claude API side wants the key as `x-api-key` or `Authorization: Bearer <key>` (what
// @anthropic-ai/sdk 1.x sends) and an `anthropic-version` header (401/400 otherwise). The Bedrock side wants a SigV4 `Authorization: AWS4-HMAC-SHA256 Credential=<key id>/<date>/
// <region>/bedrock/aws4_request, SignedHeaders=..., Signature=<64 hex>` with `x-amz-date`, and the signature is
// verified with the secret key (403 otherwise), or `Authorization: Bearer <bedrockApiKey>`.
//
// Usage: tokens are characters/4 of each block. Prompt caching follows the documented rules: the prefix up to a
// block with `cache_control` (order: tools, system, messages) is cached once it has at least `minCacheTokens`;
// a later request with the same prefix reads it (`cache_read_input_tokens`), the first one writes it
// (`cache_creation_input_tokens`), and `input_tokens` counts only what follows the last breakpoint.
//
// Responder: gets { tool, body, userText, systemText, provider } and returns { toolInput } (a tool_use block),
// { text } (a text block), or { error: { status, type, message } }. The default answers `write_email` with a
// plain compliant email built from the store name in the request, and `classify_reply` with keyword rules.
import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRequest {
  tool?: string;
  body: any;
  userText: string;
  systemText: string;
  provider: 'anthropic' | 'bedrock';
}

export type FakeReply =
  | { toolInput: unknown; outputTokens?: number; stopReason?: string }
  | { text: string; outputTokens?: number; stopReason?: string }
  | { error: { status: number; type?: string; message?: string } };

export type Responder = (req: FakeRequest) => FakeReply | Promise<FakeReply>;

export interface ScriptedError {
  status: number;
  retryAfter?: number;
  type?: string;
  message?: string;
  /** Repeat this error for this many requests (default 1). */
  times?: number;
}

export interface RecordedRequest {
  provider: 'anthropic' | 'bedrock';
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: any;
  userText: string;
  systemText: string;
  status: number;
  at: number;
}

export interface FakeStats {
  calls: number;
  errors: number;
  inFlight: number;
  maxInFlight: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

export interface FakeAnthropicOptions {
  apiKey?: string;
  aws?: { accessKeyId?: string; secretAccessKey?: string; region?: string };
  bedrockApiKey?: string;
  latencyMs?: number;
  minCacheTokens?: number;
  /** How long a batch stays in_progress after creation (default 0: ended at the first retrieve). */
  batchProcessingMs?: number;
  respond?: Responder;
  host?: string;
}

export interface FakeAnthropic {
  url: string;
  bedrockUrl: string;
  apiKey: string;
  bedrockApiKey: string;
  aws: { accessKeyId: string; secretAccessKey: string; region: string };
  requests: RecordedRequest[];
  stats: FakeStats;
  fail(...errors: ScriptedError[]): void;
  setResponder(fn: Responder): void;
  setLatency(ms: number): void;
  reset(): void;
  close(): Promise<void>;
}

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};
const BEDROCK_ERROR_TYPES: Record<number, string> = {
  400: 'ValidationException',
  403: 'AccessDeniedException',
  404: 'ResourceNotFoundException',
  429: 'ThrottlingException',
  500: 'InternalServerException',
  503: 'ServiceUnavailableException',
  529: 'ServiceUnavailableException',
};

const tokens = (s: string) => Math.ceil(s.length / 4);

function blocksText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((b: any) => (typeof b?.text === 'string' ? b.text : JSON.stringify(b))).join('\n');
}

/** The default model: a plain email from the request's store data, or keyword reply classification. */
export const defaultResponder: Responder = (req) => {
  if (req.tool === 'write_email') {
    const store = /store name: (.+)/.exec(req.userText)?.[1]?.trim() ?? 'your store';
    const first = /recipient first name: (.+)/.exec(req.userText)?.[1]?.trim();
    const name = first && !first.startsWith('(') ? first : 'there';
    const sender = /^Name: (.+)$/m.exec(req.systemText)?.[1]?.split(' ')[0] ?? 'Sam';
    const followUp = /Write email (\d+) of/.exec(req.userText)?.[1];
    const isFollow = followUp && followUp !== '1';
    return {
      toolInput: {
        subject: isFollow ? `One more idea for ${store}` : `A quick idea for ${store}`,
        body: isFollow
          ? `Hi ${name},\n\nOne more thought for ${store}: a short example might be easier than a call. Should I send one over?\n\nBest,\n${sender}`
          : `Hi ${name},\n\nI spent a few minutes on ${store} and liked what I saw. I help stores like yours keep customers coming back.\n\nWould it be useful if I sent a short example written for ${store}?\n\nBest,\n${sender}`,
      },
    };
  }
  if (req.tool === 'classify_reply') {
    const t = /<untrusted_reply[^>]*>([\s\S]*)<\/untrusted_reply/.exec(req.userText)?.[1] ?? req.userText;
    const label = /unsubscribe|remove me|stop emailing/i.test(t)
      ? 'UNSUBSCRIBE'
      : /not interested|no thanks/i.test(t)
        ? 'COLD'
        : /interested|tell me more|pricing|call/i.test(t)
          ? 'WARM'
          : 'NEUTRAL';
    return { toolInput: { label, confidence: 0.9, reason: `fake: ${label.toLowerCase()}` } };
  }
  return { text: 'ok' };
};

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => ok(Buffer.concat(chunks).toString('utf8')));
    req.on('error', fail);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sha256 = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');
const hmac = (key: Buffer | string, s: string) => createHmac('sha256', key).update(s).digest();

/** AWS SigV4 verification of a request as the SDK signs it (header-based, service "bedrock"). */
function verifySigV4(
  req: IncomingMessage,
  rawPath: string,
  body: string,
  creds: { accessKeyId: string; secretAccessKey: string; region: string },
): string | null {
  const auth = String(req.headers.authorization ?? '');
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return 'missing or malformed SigV4 Authorization header';
  const [, keyId, date, region, service, signedHeaders, signature] = m as unknown as string[];
  if (keyId !== creds.accessKeyId) return `unknown access key ${keyId}`;
  if (region !== creds.region) return `credential scope region ${region} does not match ${creds.region}`;
  if (service !== 'bedrock') return `credential scope service ${service} is not bedrock`;
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  if (!amzDate.startsWith(date!)) return 'x-amz-date missing or not matching the credential date';
  const names = signedHeaders!.split(';');
  const canonicalHeaders = names.map((n) => `${n}:${String(req.headers[n] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  const [pathPart, query = ''] = rawPath.split('?');
  // SigV4 (non-S3) canonical URI: each segment URI-encoded again.
  const canonicalUri = pathPart!
    .split('/')
    .map((seg) => encodeURIComponent(seg).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase()))
    .join('/');
  const canonicalQuery = query
    .split('&')
    .filter(Boolean)
    .sort()
    .join('&');
  const payloadHash = String(req.headers['x-amz-content-sha256'] ?? sha256(body));
  const canonical = ['POST', canonicalUri, canonicalQuery, canonicalHeaders, signedHeaders, payloadHash].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  let k = hmac('AWS4' + creds.secretAccessKey, date!);
  k = hmac(k, region!);
  k = hmac(k, service!);
  k = hmac(k, 'aws4_request');
  const expected = createHmac('sha256', k).update(toSign).digest('hex');
  return expected === signature ? null : 'SigV4 signature does not match';
}

export async function startFakeAnthropic(opts: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
  const apiKey = opts.apiKey ?? 'sk-ant-test-key';
  const bedrockApiKey = opts.bedrockApiKey ?? 'bedrock-test-key';
  const aws = {
    accessKeyId: opts.aws?.accessKeyId ?? 'AKIDFAKEBEDROCK',
    secretAccessKey: opts.aws?.secretAccessKey ?? 'fake-secret-access-key',
    region: opts.aws?.region ?? 'us-east-1',
  };
  let latency = opts.latencyMs ?? 0;
  let respond: Responder = opts.respond ?? defaultResponder;
  const minCache = opts.minCacheTokens ?? 1024;
  const queue: ScriptedError[] = [];
  const cache = new Set<string>();
  const requests: RecordedRequest[] = [];
  const stats: FakeStats = { calls: 0, errors: 0, inFlight: 0, maxInFlight: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
  const batches = new Map<string, { id: string; createdAt: number; requests: { custom_id: string; params: any }[]; results?: string; canceled?: boolean }>();
  let seq = 0;

  /** Runs one Messages request through the cache model and the responder. */
  async function runMessage(body: any, provider: 'anthropic' | 'bedrock'): Promise<{ status: number; json: any }> {
    const problems: string[] = [];
    if (provider === 'anthropic' && typeof body?.model !== 'string') problems.push('model: Field required');
    if (provider === 'bedrock' && typeof body?.anthropic_version !== 'string') problems.push('anthropic_version: Field required');
    if (!Number.isInteger(body?.max_tokens) || body.max_tokens < 1) problems.push('max_tokens: Field required');
    if (!Array.isArray(body?.messages) || body.messages.length === 0) problems.push('messages: Field required');
    if (problems.length) return { status: 400, json: { type: 'error', error: { type: 'invalid_request_error', message: problems.join('; ') } } };

    // Segments in cache order: tools, system, messages.
    const segs: { text: string; bp: boolean }[] = [];
    for (const t of body.tools ?? []) segs.push({ text: JSON.stringify(t), bp: Boolean(t.cache_control) });
    const system = typeof body.system === 'string' ? [{ type: 'text', text: body.system }] : (body.system ?? []);
    for (const b of system) segs.push({ text: b.text ?? '', bp: Boolean(b.cache_control) });
    for (const m of body.messages) {
      const content = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : m.content;
      for (const b of content) segs.push({ text: b.text ?? JSON.stringify(b), bp: Boolean(b.cache_control) });
    }
    const bps: { hash: string; toks: number }[] = [];
    let acc = 0;
    const h = createHash('sha256').update(String(body.model ?? 'bedrock'));
    for (const s of segs) {
      acc += tokens(s.text);
      h.update('\u0000' + s.text);
      if (s.bp) bps.push({ hash: h.copy().digest('hex'), toks: acc });
    }
    const total = acc;
    let read = 0;
    for (let i = bps.length - 1; i >= 0; i--) {
      if (cache.has(bps[i]!.hash)) {
        read = bps[i]!.toks;
        break;
      }
    }
    let write = 0;
    const last = bps[bps.length - 1];
    if (last && last.toks >= minCache && last.toks > read) write = last.toks - read;
    for (const bp of bps) if (bp.toks >= minCache) cache.add(bp.hash);

    const tool = body.tool_choice?.type === 'tool' ? body.tool_choice.name : body.tools?.[0]?.name;
    const userText = body.messages.map((m: any) => blocksText(m.content)).join('\n');
    const systemText = system.map((b: any) => b.text ?? '').join('\n');
    const reply = await respond({ tool, body, userText, systemText, provider });
    if ('error' in reply) {
      const st = reply.error.status;
      return { status: st, json: { type: 'error', error: { type: reply.error.type ?? ERROR_TYPES[st] ?? 'api_error', message: reply.error.message ?? 'scripted error' } } };
    }
    const content =
      'toolInput' in reply
        ? [{ type: 'tool_use', id: `toolu_${++seq}`, name: tool, input: reply.toolInput }]
        : [{ type: 'text', text: reply.text }];
    const out = reply.outputTokens ?? tokens(JSON.stringify(content));
    const usage = {
      input_tokens: total - read - write,
      output_tokens: out,
      cache_read_input_tokens: read,
      cache_creation_input_tokens: write,
    };
    stats.inputTokens += usage.input_tokens;
    stats.outputTokens += out;
    stats.cacheReadTokens += read;
    stats.cacheWriteTokens += write;
    return {
      status: 200,
      json: {
        id: `msg_fake_${++seq}`,
        type: 'message',
        role: 'assistant',
        model: body.model ?? 'bedrock-model',
        content,
        stop_reason: reply.stopReason ?? ('toolInput' in reply ? 'tool_use' : 'end_turn'),
        stop_sequence: null,
        usage,
      },
    };
  }

  function batchObject(b: { id: string; createdAt: number; requests: unknown[]; results?: string; canceled?: boolean }, base: string) {
    const ended = Boolean(b.results);
    const n = b.requests.length;
    let succeeded = 0;
    let errored = 0;
    if (b.results) for (const line of b.results.trim().split('\n')) JSON.parse(line).result.type === 'succeeded' ? succeeded++ : errored++;
    return {
      id: b.id,
      type: 'message_batch',
      processing_status: ended ? 'ended' : 'in_progress',
      request_counts: { processing: ended ? 0 : n, succeeded, errored, canceled: 0, expired: 0 },
      created_at: new Date(b.createdAt).toISOString(),
      expires_at: new Date(b.createdAt + 86_400_000).toISOString(),
      ended_at: ended ? new Date().toISOString() : null,
      archived_at: null,
      cancel_initiated_at: null,
      results_url: ended ? `${base}/v1/messages/batches/${b.id}/results` : null,
    };
  }

  const server = createServer(async (req, res) => {
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    let status = 200;
    const raw = await readBody(req).catch(() => '');
    const path = req.url ?? '/';
    const provider: 'anthropic' | 'bedrock' = path.startsWith('/model/') ? 'bedrock' : 'anthropic';
    let body: any = null;
    try {
      body = raw ? JSON.parse(raw) : null;
    } catch {
      body = raw;
    }
    const rec: RecordedRequest = {
      provider,
      method: req.method ?? 'GET',
      path,
      headers: { ...req.headers },
      body,
      userText: Array.isArray(body?.messages) ? body.messages.map((m: any) => blocksText(m.content)).join('\n') : '',
      systemText: typeof body?.system === 'string' ? body.system : Array.isArray(body?.system) ? body.system.map((b: any) => b.text).join('\n') : '',
      status: 0,
      at: Date.now(),
    };
    requests.push(rec);
    const base = `http://${req.headers.host}`;
    const send = (st: number, json: unknown, headers: Record<string, string> = {}) => {
      status = st;
      rec.status = st;
      if (st >= 400) stats.errors++;
      res.writeHead(st, { 'content-type': 'application/json', 'request-id': `req_fake_${++seq}`, ...headers });
      res.end(typeof json === 'string' ? json : JSON.stringify(json));
    };
    const anthropicError = (st: number, message: string, type?: string, headers: Record<string, string> = {}) =>
      send(st, { type: 'error', error: { type: type ?? ERROR_TYPES[st] ?? 'api_error', message } }, headers);
    const bedrockError = (st: number, message: string, type?: string, headers: Record<string, string> = {}) =>
      send(st, { message }, { 'x-amzn-errortype': type ?? BEDROCK_ERROR_TYPES[st] ?? 'InternalServerException', ...headers });
    try {
      stats.calls++;
      if (latency) await sleep(latency);
      // Authentication, as each service does it.
      if (provider === 'anthropic') {
        // Older SDKs send `x-api-key`; @anthropic-ai/sdk 1.x sends the key as `Authorization: Bearer <key>`.
        const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
        if (req.headers['x-api-key'] !== apiKey && bearer !== apiKey) return anthropicError(401, 'invalid x-api-key');
        if (!/^\d{4}-\d{2}-\d{2}$/.test(String(req.headers['anthropic-version'] ?? '')))
          return anthropicError(400, 'anthropic-version header is required');
      } else {
        const auth = String(req.headers.authorization ?? '');
        if (auth.startsWith('Bearer ')) {
          if (auth.slice(7) !== bedrockApiKey) return bedrockError(403, 'The security token included in the request is invalid.', 'UnrecognizedClientException');
        } else {
          const problem = verifySigV4(req, path, raw, aws);
          if (problem) return bedrockError(403, problem, 'InvalidSignatureException');
        }
      }
      const scripted = queue[0];
      if (scripted && !(req.method === 'GET' && path.includes('/batches/'))) {
        if ((scripted.times ?? 1) <= 1) queue.shift();
        else scripted.times = (scripted.times ?? 1) - 1;
        const headers: Record<string, string> = scripted.retryAfter !== undefined ? { 'retry-after': String(scripted.retryAfter) } : {};
        const msg = scripted.message ?? `scripted ${scripted.status}`;
        return provider === 'anthropic' ? anthropicError(scripted.status, msg, scripted.type, headers) : bedrockError(scripted.status, msg, scripted.type, headers);
      }

      const m = /^\/model\/([^/]+)\/invoke$/.exec(path.split('?')[0]!);
      if (provider === 'bedrock') {
        if (!m || req.method !== 'POST') return bedrockError(404, `unknown operation ${req.method} ${path}`);
        const r = await runMessage(body, 'bedrock');
        if (r.status !== 200) return bedrockError(r.status, r.json.error.message);
        r.json.model = decodeURIComponent(m[1]!);
        return send(200, r.json);
      }
      const p = path.split('?')[0]!;
      if (req.method === 'POST' && p === '/v1/messages') {
        const r = await runMessage(body, 'anthropic');
        return send(r.status, r.json);
      }
      if (req.method === 'POST' && p === '/v1/messages/batches') {
        if (!Array.isArray(body?.requests) || !body.requests.length) return anthropicError(400, 'requests: Field required');
        const ids = new Set<string>();
        for (const r of body.requests) {
          if (typeof r.custom_id !== 'string' || !/^[a-zA-Z0-9_-]{1,64}$/.test(r.custom_id)) return anthropicError(400, `invalid custom_id ${r.custom_id}`);
          if (ids.has(r.custom_id)) return anthropicError(400, `duplicate custom_id ${r.custom_id}`);
          ids.add(r.custom_id);
        }
        const b = { id: `msgbatch_fake_${++seq}`, createdAt: Date.now(), requests: body.requests };
        batches.set(b.id, b);
        return send(200, batchObject(b, base));
      }
      const bm = /^\/v1\/messages\/batches\/([^/]+)(\/results|\/cancel)?$/.exec(p);
      if (bm) {
        const b = batches.get(bm[1]!);
        if (!b) return anthropicError(404, `batch ${bm[1]} not found`);
        if (bm[2] === '/cancel' && req.method === 'POST') {
          b.canceled = true;
          return send(200, batchObject(b, base));
        }
        if (!b.results && Date.now() - b.createdAt >= (opts.batchProcessingMs ?? 0)) {
          const lines: string[] = [];
          for (const r of b.requests) {
            const out = await runMessage(r.params, 'anthropic');
            lines.push(
              JSON.stringify(
                out.status === 200
                  ? { custom_id: r.custom_id, result: { type: 'succeeded', message: out.json } }
                  : { custom_id: r.custom_id, result: { type: 'errored', error: { type: 'error', error: out.json.error } } },
              ),
            );
          }
          b.results = lines.join('\n') + '\n';
        }
        if (bm[2] === '/results') {
          if (!b.results) return anthropicError(400, 'batch has not ended');
          status = 200;
          rec.status = 200;
          res.writeHead(200, { 'content-type': 'application/binary' });
          return res.end(b.results);
        }
        return send(200, batchObject(b, base));
      }
      return anthropicError(404, `unknown path ${req.method} ${p}`);
    } catch (err) {
      if (!res.headersSent) anthropicError(500, `fake server error: ${(err as Error).message}`);
    } finally {
      stats.inFlight--;
      void status;
    }
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, host, () => ok());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host}:${port}`;
  return {
    url,
    bedrockUrl: url,
    apiKey,
    bedrockApiKey,
    aws,
    requests,
    stats,
    fail: (...errors) => queue.push(...errors),
    setResponder: (fn) => {
      respond = fn;
    },
    setLatency: (ms) => {
      latency = ms;
    },
    reset: () => {
      requests.length = 0;
      queue.length = 0;
      cache.clear();
      Object.assign(stats, { calls: 0, errors: 0, inFlight: 0, maxInFlight: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 });
    },
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections?.();
        server.close(() => ok());
      }),
  };
}
