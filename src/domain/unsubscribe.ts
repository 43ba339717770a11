// One-click unsubscribe tokens (RFC 8058): an opaque per-message id plus an HMAC, so a token reveals
// no address and no other token can be guessed from it. `send` makes them, `serve` checks them.
import { createHmac, timingSafeEqual } from 'node:crypto';

const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/** `messageId` is the outbound message's Message-ID (random, on the sender's domain). */
export function makeUnsubscribeToken(secret: string, messageId: string): string {
  if (!secret) throw new Error('an unsubscribe secret is required (OUTREACH_SECRET)');
  const id = b64(messageId.replace(/^<|>$/g, ''));
  const mac = createHmac('sha256', secret).update(`unsub:${id}`).digest().subarray(0, 16);
  return `${id}.${b64(mac)}`;
}

/** Returns the Message-ID the token was made for, or null when it was not signed with this secret. */
export function verifyUnsubscribeToken(secret: string, token: string): string | null {
  if (!secret || typeof token !== 'string' || token.length > 600) return null;
  const m = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(token);
  if (!m) return null;
  const expected = createHmac('sha256', secret).update(`unsub:${m[1]}`).digest().subarray(0, 16);
  const given = Buffer.from(m[2]!, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  return Buffer.from(m[1]!, 'base64url').toString('utf8');
}

export function unsubscribeUrl(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/u/${token}`;
}

/**
 * Drafts carry this marker where the per-message unsubscribe URL goes (the token depends on the Message-ID,
 * assigned at send time). `send` replaces it in the text and HTML parts and refuses a body without it.
 */
export const UNSUBSCRIBE_URL_MARKER = '[[UNSUBSCRIBE_URL]]';
