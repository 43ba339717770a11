// Optional open and click tracking (off unless `serve --track`): per-message tokens signed like the
// unsubscribe tokens but under their own label, so one kind can never be replayed as the other.
// A click redirects only to a URL the message itself carried (no open redirect).
import { createHmac, timingSafeEqual } from 'node:crypto';

const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64url');

export function makeTrackingToken(secret: string, messageId: string): string {
  if (!secret) throw new Error('a secret is required (OUTREACH_SECRET)');
  const id = b64(messageId.replace(/^<|>$/g, ''));
  const mac = createHmac('sha256', secret).update(`track:${id}`).digest().subarray(0, 16);
  return `${id}.${b64(mac)}`;
}

export function verifyTrackingToken(secret: string, token: string): string | null {
  if (!secret || typeof token !== 'string' || token.length > 600) return null;
  const m = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(token);
  if (!m) return null;
  const expected = createHmac('sha256', secret).update(`track:${m[1]}`).digest().subarray(0, 16);
  const given = Buffer.from(m[2]!, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  return Buffer.from(m[1]!, 'base64url').toString('utf8');
}

/** The open pixel's URL for a message (for `send` to put in the HTML part when tracking is on). */
export function openPixelUrl(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/o/${token}.gif`;
}

/** A tracked link: the original URL rides along and is checked against the message's own links. */
export function clickUrl(baseUrl: string, token: string, url: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/c/${token}?u=${encodeURIComponent(url)}`;
}

/** A transparent 1x1 GIF. */
export const PIXEL_GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
