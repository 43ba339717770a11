// Review s10 #1: the `suppressed` and `stage` columns of an import (what `leads export` writes) say which rows
// must never be mailed.
import { describe, it, expect } from 'vitest';
import { mapHeader, suppressionOf, SUPPRESSED_REASONS } from '../../src/stages/leads/import-parse.js';

describe('suppressionOf', () => {
  it.each([
    // suppressed cell, stage cell → result
    ['unsubscribed', '', { reason: 'unsubscribed' }],
    ['Bounced', 'new', { reason: 'bounced' }],
    [' left_company ', '', { reason: 'left_company' }],
    ['left company', '', { reason: 'left_company' }],
    ['', '', null],
    ['  ', 'new', null],
    ['N/A', '', null],
    ['-', '', null],
    ['maybe', '', { error: expect.stringContaining('invalid suppressed value "maybe"') }],
    ['forgotten', '', { error: expect.stringContaining('expected empty or one of') }],
  ])('suppressed %j, stage %j', (sup, stage, expected) => {
    expect(suppressionOf([sup, stage], 0, 1)).toEqual(expected);
  });

  it.each([
    ['unsubscribed', { reason: 'unsubscribed' }],
    ['BOUNCED', { reason: 'bounced' }],
    ['replied', null],
    ['Customer', null],
    ['', null],
  ])('stage %j alone (no suppressed column)', (stage, expected) => {
    expect(suppressionOf(['x.com', stage], -1, 1)).toEqual(expected);
  });

  it('every reason the export can write is accepted', () => {
    for (const r of SUPPRESSED_REASONS) expect(suppressionOf([r], 0, -1)).toEqual({ reason: r });
  });
});

describe('mapHeader', () => {
  it("maps the export's suppressed and stage columns (no longer ignored)", () => {
    const header = ['domain', 'company', 'email', 'stage', 'fit', 'suppressed', 'notes'];
    const m = mapHeader(header);
    expect(m.fields).toEqual(['domain', 'company', 'email', 'stage', null, 'suppressed', 'notes']);
    expect(m.ignored).toEqual(['fit']);
  });
  it('--map names them', () => {
    const m = mapHeader(['Website', 'Do not contact'], { 'Do not contact': 'suppressed' });
    expect(m.fields).toEqual(['domain', 'suppressed']);
  });
});
