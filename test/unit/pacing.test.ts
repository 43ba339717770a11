import { describe, it, expect } from 'vitest';
import {
  inWindow, nextWindowStart, addBusinessDays, dailyLimit, randomGapMs, pickMailbox, zoneForCountry, windowZone,
  startOfDay, recipientDomain, type SendingWindow,
} from '../../src/domain/pacing.js';

const W: SendingWindow = { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' };

describe('sending windows', () => {
  it.each([
    // 2026-11-30 is a Monday.
    ['2026-11-30T09:00:00Z', 'UTC', true],
    ['2026-11-30T08:59:00Z', 'UTC', false],
    ['2026-11-30T17:00:00Z', 'UTC', false],
    ['2026-11-30T16:59:00Z', 'UTC', true],
    ['2026-11-28T12:00:00Z', 'UTC', false], // Saturday
    ['2026-11-30T14:30:00Z', 'America/New_York', true], // 09:30 in New York
    ['2026-11-30T13:30:00Z', 'America/New_York', false], // 08:30 in New York
    ['2026-11-30T07:30:00Z', 'Europe/Berlin', false], // 08:30 in Berlin
    ['2026-11-30T08:30:00Z', 'Europe/Berlin', true],
    ['2026-11-30T23:30:00Z', 'Asia/Tokyo', false], // Tuesday 08:30 in Tokyo
    ['2026-12-01T00:30:00Z', 'Asia/Tokyo', true], // Tuesday 09:30 in Tokyo
  ])('%s in %s → %s', (at, zone, ok) => {
    expect(inWindow(new Date(at), zone, W)).toBe(ok);
  });
  it('a window past midnight belongs to the day it starts', () => {
    const night: SendingWindow = { days: ['fri'], start: '22:00', end: '02:00' };
    expect(inWindow(new Date('2026-11-27T23:00:00Z'), 'UTC', night)).toBe(true); // Fri 23:00
    expect(inWindow(new Date('2026-11-28T01:00:00Z'), 'UTC', night)).toBe(true); // Sat 01:00, Friday's window
    expect(inWindow(new Date('2026-11-29T01:00:00Z'), 'UTC', night)).toBe(false); // Sun 01:00
  });
  it('next window start', () => {
    expect(nextWindowStart(new Date('2026-11-28T12:00:00Z'), 'UTC', W)?.toISOString()).toBe('2026-11-30T09:00:00.000Z');
    expect(nextWindowStart(new Date('2026-11-30T10:00:00Z'), 'UTC', W)?.toISOString()).toBe('2026-11-30T10:00:00.000Z');
    expect(nextWindowStart(new Date('2026-11-30T18:00:00Z'), 'UTC', W)?.toISOString()).toBe('2026-12-01T09:00:00.000Z');
    expect(nextWindowStart(new Date('2026-11-30T12:00:00Z'), 'America/New_York', W)?.toISOString()).toBe('2026-11-30T14:00:00.000Z');
    expect(nextWindowStart(new Date(), 'UTC', { ...W, days: [] })).toBeNull();
  });
});

describe('business days', () => {
  it.each([
    ['2026-11-27T10:00:00Z', 2, '2026-12-01T10:00:00.000Z'], // Fri + 2 → Tue
    ['2026-11-30T10:00:00Z', 3, '2026-12-03T10:00:00.000Z'], // Mon + 3 → Thu
    ['2026-11-28T10:00:00Z', 1, '2026-11-30T10:00:00.000Z'], // Sat + 1 → Mon
    ['2026-11-30T10:00:00Z', 0, '2026-11-30T10:00:00.000Z'],
    ['2026-11-30T10:00:00Z', 5, '2026-12-07T10:00:00.000Z'], // a full week
  ])('%s + %d business days', (from, n, to) => {
    expect(addBusinessDays(new Date(from), n, 'UTC', W.days).toISOString()).toBe(to);
  });
  it('counts days in the sender zone (late Friday in New York is still Friday)', () => {
    // 2026-11-28T02:00Z is Friday 21:00 in New York: +1 business day → Monday 21:00 NY.
    expect(addBusinessDays(new Date('2026-11-28T02:00:00Z'), 1, 'America/New_York', W.days).toISOString()).toBe('2026-12-01T02:00:00.000Z');
  });
});

describe('warm-up ramp and caps', () => {
  const r = { dailyCap: 50, rampStart: 10, rampStep: 5, rampStartedAt: '2026-11-20T08:00:00Z' };
  it.each([
    ['2026-11-20T12:00:00Z', 10], ['2026-11-21T12:00:00Z', 15], ['2026-11-24T12:00:00Z', 30], ['2026-11-30T12:00:00Z', 50], ['2027-01-30T12:00:00Z', 50],
  ])('on %s the limit is %d', (at, n) => expect(dailyLimit(r, new Date(at), 'UTC')).toBe(n));
  it('not started yet: day 0; no ramp: the cap; cap 0: nothing', () => {
    expect(dailyLimit({ ...r, rampStartedAt: null }, new Date('2026-11-30T12:00:00Z'), 'UTC')).toBe(10);
    expect(dailyLimit({ ...r, rampStart: 0, rampStep: 0 }, new Date(), 'UTC')).toBe(50);
    expect(dailyLimit({ ...r, dailyCap: 0 }, new Date(), 'UTC')).toBe(0);
  });
  it('start of day in the sender zone', () => {
    expect(startOfDay(new Date('2026-11-30T03:00:00Z'), 'America/New_York').toISOString()).toBe('2026-11-29T05:00:00.000Z');
  });
});

describe('spacing, rotation, zones', () => {
  it('random gaps stay within bounds', () => {
    expect(randomGapMs(60, 180, () => 0)).toBe(60_000);
    expect(randomGapMs(60, 180, () => 0.5)).toBe(120_000);
    expect(randomGapMs(60, 180, () => 0.999999)).toBeLessThanOrEqual(180_000);
    expect(randomGapMs(0, 0, Math.random)).toBe(0);
    expect(randomGapMs(100, 10, () => 0.5)).toBe(100_000);
  });
  it('rotation by remaining capacity, then least recently used', () => {
    expect(pickMailbox([{ id: 1, remaining: 3, lastSentAt: null }, { id: 2, remaining: 9, lastSentAt: null }])).toBe(2);
    expect(pickMailbox([{ id: 1, remaining: 5, lastSentAt: '2026-11-30T10:05:00Z' }, { id: 2, remaining: 5, lastSentAt: '2026-11-30T10:00:00Z' }])).toBe(2);
    expect(pickMailbox([{ id: 1, remaining: 0, lastSentAt: null }])).toBeNull();
    expect(pickMailbox([])).toBeNull();
  });
  it('recipient zone only when the country gives one', () => {
    expect(zoneForCountry('de')).toBe('Europe/Berlin');
    expect(zoneForCountry('US')).toBeNull();
    expect(windowZone('America/Chicago', 'FR', true)).toBe('Europe/Paris');
    expect(windowZone('America/Chicago', 'US', true)).toBe('America/Chicago');
    expect(windowZone('America/Chicago', 'FR', false)).toBe('America/Chicago');
    expect(windowZone('UTC', null, true)).toBe('UTC');
  });
  it('recipient domain', () => expect(recipientDomain('Ana@Shop.Example.COM')).toBe('shop.example.com'));
});
