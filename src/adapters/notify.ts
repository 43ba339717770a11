// Tells the operator about a WARM reply within minutes: a JSON POST to a webhook (a Slack incoming
// webhook understands the `text` field), and/or a command run with the reply's summary as JSON on
// stdin and in OUTREACH_REPLY_* environment variables. Never touches the database.
//
// Inbound mail is data, never instructions: every piece of it that goes into Slack's mrkdwn `text` is escaped
// (`&`, `<`, `>`: a reply cannot ping @here/@channel or show a disguised link), and the command gets a minimal
// environment (never outreach's own secrets: API keys, AWS credentials, mailbox passwords, OUTREACH_SECRET).
import { spawn } from 'node:child_process';

export interface ReplySummary {
  label: string;
  from: string;
  subject: string;
  leadId: number | null;
  leadDomain?: string | null;
  confidence?: number;
  reason?: string;
  /** The first lines the person wrote (never the quoted original). */
  excerpt: string;
  messageId: string;
}

export interface NotifyConfig {
  webhookUrl?: string;
  command?: string;
  /** Both per-call timeouts at once (tests); else webhookTimeoutMs / commandTimeoutMs. */
  timeoutMs?: number;
  /** How long one webhook POST may take (default 5 s: a Slack webhook answers in well under a second). */
  webhookTimeoutMs?: number;
  /** How long one run of the command may take before it is killed (default 10 s). */
  commandTimeoutMs?: number;
  /** The environment the command's minimal one is taken from (default process.env; see commandEnv). */
  env?: NodeJS.ProcessEnv;
}

export interface Notifier {
  notify(s: ReplySummary): Promise<void>;
  readonly configured: boolean;
}

export const WEBHOOK_TIMEOUT_MS = 5_000;
export const COMMAND_TIMEOUT_MS = 10_000;

/** A notification that failed; `timedOut`: the webhook or the command never answered (a breaker opens at once). */
export class NotifyError extends Error {
  override name = 'NotifyError';
  constructor(
    message: string,
    readonly timedOut: boolean,
  ) {
    super(message);
  }
}

/** Slack's rule for mrkdwn `text`: `&`, `<` and `>` are control characters and must be escaped as entities. */
export function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** One line (a subject, an address, a reason): control characters and line breaks become spaces. */
function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').trim();
}

/** The Slack `text`: every piece that comes from the mail (or from a model that read it) is escaped. */
export function slackText(s: ReplySummary): string {
  const e = (t: string | null | undefined) => slackEscape(oneLine(t ?? ''));
  const who = s.leadDomain ? `${e(s.from)} (${e(s.leadDomain)})` : e(s.from);
  const score = typeof s.confidence === 'number' && Number.isFinite(s.confidence) ? ` (${Math.round(s.confidence * 100)}%)` : '';
  const reason = s.reason && oneLine(s.reason) ? `: ${e(s.reason)}` : '';
  const excerpt = s.excerpt
    .replace(/\r\n?/g, '\n')
    .split(/\n+/)
    .map((l) => slackEscape(l.replace(/[\u0000-\u0008\u000b-\u001f\u007f\u2028\u2029]/g, ' ')))
    .filter((l) => l.trim())
    .map((l) => `> ${l}`)
    .join('\n');
  return `:fire: ${e(s.label)} reply from ${who}: "${e(s.subject)}"${score}${reason}${excerpt ? `\n${excerpt}` : ''}`;
}

/**
 * The webhook's JSON: Slack reads `text` (escaped above) and the flags; `reply` (the summary as stored, for
 * other receivers) is no field Slack knows, so it ignores it. Slack is told not to link @names and not to
 * fetch previews of links in the text: a link in a reply is shown as written, and Slack's servers never
 * call it (a tracking URL would learn that the reply was read).
 */
export function webhookBody(s: ReplySummary): string {
  return JSON.stringify({ text: slackText(s), link_names: false, unfurl_links: false, unfurl_media: false, reply: s });
}

export function createNotifier(cfg: NotifyConfig): Notifier {
  const webhookMs = cfg.webhookTimeoutMs ?? cfg.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
  const commandMs = cfg.commandTimeoutMs ?? cfg.timeoutMs ?? COMMAND_TIMEOUT_MS;
  return {
    configured: Boolean(cfg.webhookUrl || cfg.command),
    async notify(s: ReplySummary): Promise<void> {
      const errors: string[] = [];
      let timedOut = false;
      if (cfg.webhookUrl) {
        try {
          const res = await fetch(cfg.webhookUrl, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: webhookBody(s),
            signal: AbortSignal.timeout(webhookMs),
          });
          if (!res.ok) errors.push(`webhook answered HTTP ${res.status}`);
          // The answer's body is not needed: never wait for a body that does not come.
          await res.body?.cancel().catch(() => undefined);
        } catch (err) {
          const e = err as Error;
          if (e?.name === 'TimeoutError' || e?.name === 'AbortError') {
            timedOut = true;
            errors.push(`webhook did not answer within ${seconds(webhookMs)}`);
          } else {
            const cause = (e as { cause?: { code?: string; message?: string } }).cause;
            errors.push(`webhook: ${e.message}${cause?.code || cause?.message ? ` (${cause.code ?? cause.message})` : ''}`);
          }
        }
      }
      if (cfg.command) {
        try {
          await runCommand(cfg.command, s, commandMs, cfg.env ?? process.env);
        } catch (err) {
          if (err instanceof NotifyError && err.timedOut) timedOut = true;
          errors.push(`command: ${(err as Error).message}`);
        }
      }
      if (errors.length) throw new NotifyError(errors.join('; '), timedOut);
    },
  };
}

const seconds = (ms: number) => (ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`);

/**
 * What the notify command may see of outreach's environment: only what a program needs to run (PATH, HOME, the
 * locale, the time zone, the temp folder, who the user is, the shell, and the desktop session so that
 * `notify-send` works), never the secrets outreach reads from `.env` or the environment (ANTHROPIC_API_KEY,
 * AWS_*, OUTREACH_SECRET, OUTREACH_DASHBOARD_TOKEN, search API keys, the DKIM key, every mailbox's password
 * variable): an allowlist, so a secret under a name outreach has never heard of is not passed either.
 */
export const COMMAND_ENV = [
  'PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'TZ', 'TMPDIR', 'LANG', 'LANGUAGE',
  'LC_ALL', 'LC_CTYPE', 'LC_COLLATE', 'LC_MESSAGES', 'LC_MONETARY', 'LC_NUMERIC', 'LC_TIME',
  'LC_ADDRESS', 'LC_IDENTIFICATION', 'LC_MEASUREMENT', 'LC_NAME', 'LC_PAPER', 'LC_TELEPHONE',
  'DISPLAY', 'WAYLAND_DISPLAY', 'XDG_RUNTIME_DIR', 'DBUS_SESSION_BUS_ADDRESS',
] as const;

/** The reply's summary, for the command (besides the JSON on stdin). */
export const REPLY_ENV = [
  'OUTREACH_REPLY_LABEL', 'OUTREACH_REPLY_FROM', 'OUTREACH_REPLY_SUBJECT', 'OUTREACH_REPLY_LEAD', 'OUTREACH_REPLY_EXCERPT', 'OUTREACH_REPLY_MESSAGE_ID',
] as const;

/** The command's whole environment: the allowlisted variables of `parent` that are set, plus OUTREACH_REPLY_*. */
export function commandEnv(parent: NodeJS.ProcessEnv, s: ReplySummary): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of COMMAND_ENV) {
    const v = parent[k];
    if (v !== undefined) env[k] = v;
  }
  // A NUL byte in a value would make spawn throw: mail is never trusted to be clean.
  const clean = (v: string | null | undefined) => (v ?? '').replace(/\0/g, '');
  env.OUTREACH_REPLY_LABEL = clean(s.label);
  env.OUTREACH_REPLY_FROM = clean(s.from);
  env.OUTREACH_REPLY_SUBJECT = clean(s.subject);
  env.OUTREACH_REPLY_LEAD = clean(s.leadDomain);
  env.OUTREACH_REPLY_EXCERPT = clean(s.excerpt);
  env.OUTREACH_REPLY_MESSAGE_ID = clean(s.messageId);
  return env;
}

function runCommand(command: string, s: ReplySummary, timeoutMs: number, parent: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    // The summary goes in as data (stdin and env), never spliced into the command line.
    // Its own process group, so that a timeout kills everything it started (a wrapper script's children too).
    const child = spawn(command, {
      shell: true,
      detached: true,
      stdio: ['pipe', 'ignore', 'pipe'],
      env: commandEnv(parent, s),
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr = (stderr + d).slice(-500)));
    const timer = setTimeout(() => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
        else child.kill('SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
      reject(new NotifyError(`did not finish within ${seconds(timeoutMs)} (killed)`, true));
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`exited with ${code}${stderr ? `: ${stderr.trim()}` : ''}`));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(JSON.stringify(s) + '\n');
  });
}

/**
 * One run's notification breaker (like the model's ModelBreaker): a notifier that does not answer (a timeout),
 * or fails twice in a row, is not called again in this run; the replies left stay pending (notified_at NULL)
 * and the next run tries them. Notifications taking `budgetMs` in all (slow but answering) stop too, so a run
 * (and the sync lock it holds) is never held up for long by the notifier.
 */
export class NotifyBreaker {
  disabled: string | null = null;
  private consecutive = 0;
  private spentMs = 0;
  readonly maxConsecutive: number;
  readonly budgetMs: number;

  constructor(opts: { maxConsecutive?: number; budgetMs?: number } = {}) {
    this.maxConsecutive = opts.maxConsecutive ?? 2;
    this.budgetMs = opts.budgetMs ?? 60_000;
  }

  get open(): boolean {
    return this.disabled !== null;
  }

  succeeded(ms: number): void {
    this.consecutive = 0;
    this.spend(ms);
  }

  failed(err: unknown, ms: number): void {
    const why = ((err as Error)?.message ?? String(err)).slice(0, 300);
    this.consecutive++;
    if (!this.disabled) {
      if ((err as { timedOut?: boolean })?.timedOut) this.disabled = why;
      else if (this.consecutive >= this.maxConsecutive) this.disabled = `${this.consecutive} notifications failed in a row, the last: ${why}`;
    }
    this.spend(ms);
  }

  private spend(ms: number): void {
    this.spentMs += ms;
    if (!this.disabled && this.spentMs >= this.budgetMs) this.disabled = `notifications took ${Math.round(this.spentMs / 1000)} s in this run`;
  }
}
