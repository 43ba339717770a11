// Tells the operator about a WARM reply within minutes: a JSON POST to a webhook (a Slack incoming
// webhook understands the `text` field), and/or a command run with the reply's summary as JSON on
// stdin and in OUTREACH_REPLY_* environment variables. Never touches the database.
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
  timeoutMs?: number;
}

export interface Notifier {
  notify(s: ReplySummary): Promise<void>;
  readonly configured: boolean;
}

function slackText(s: ReplySummary): string {
  const who = s.leadDomain ? `${s.from} (${s.leadDomain})` : s.from;
  return `:fire: ${s.label} reply from ${who}: "${s.subject}"\n> ${s.excerpt.replace(/\n+/g, '\n> ')}`;
}

export function createNotifier(cfg: NotifyConfig): Notifier {
  const timeoutMs = cfg.timeoutMs ?? 15_000;
  return {
    configured: Boolean(cfg.webhookUrl || cfg.command),
    async notify(s: ReplySummary): Promise<void> {
      const errors: string[] = [];
      if (cfg.webhookUrl) {
        try {
          const res = await fetch(cfg.webhookUrl, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ text: slackText(s), reply: s }),
            signal: AbortSignal.timeout(timeoutMs),
          });
          if (!res.ok) errors.push(`webhook answered HTTP ${res.status}`);
          await res.arrayBuffer().catch(() => undefined);
        } catch (err) {
          errors.push(`webhook: ${(err as Error).message}`);
        }
      }
      if (cfg.command) {
        try {
          await runCommand(cfg.command, s, timeoutMs);
        } catch (err) {
          errors.push(`command: ${(err as Error).message}`);
        }
      }
      if (errors.length) throw new Error(errors.join('; '));
    },
  };
}

function runCommand(command: string, s: ReplySummary, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    // The summary goes in as data (stdin and env), never spliced into the command line.
    const child = spawn(command, {
      shell: true,
      stdio: ['pipe', 'ignore', 'pipe'],
      env: {
        ...process.env,
        OUTREACH_REPLY_LABEL: s.label,
        OUTREACH_REPLY_FROM: s.from,
        OUTREACH_REPLY_SUBJECT: s.subject,
        OUTREACH_REPLY_LEAD: s.leadDomain ?? '',
        OUTREACH_REPLY_EXCERPT: s.excerpt,
      },
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr = (stderr + d).slice(-500)));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`timed out after ${timeoutMs} ms`));
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
