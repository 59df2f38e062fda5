import { describe, expect, it } from 'vitest';
import { compareStreamIds } from './stream-id.ts';
import { mayHaveLostEntries, type StreamTrimState } from './stream-store.ts';

const state = (over: Partial<StreamTrimState>): StreamTrimState => ({
  firstId: '100-0',
  lastGeneratedId: '300-0',
  maxDeletedId: '0-0',
  entriesAdded: 3,
  length: 3,
  ...over,
});
const lost = (s: StreamTrimState, id: string) => mayHaveLostEntries(s, id, compareStreamIds);

describe('mayHaveLostEntries', () => {
  it('loses nothing from a stream that never lost an entry, even for 0-0', () => {
    expect(lost(state({}), '0-0')).toBe(false);
    expect(lost(state({}), '100-0')).toBe(false);
    expect(lost(state({ firstId: null, lastGeneratedId: '0-0', entriesAdded: 0, length: 0 }), '0-0')).toBe(false);
  });

  it('may lose entries once trimmed past the client', () => {
    const trimmed = state({ firstId: '200-0', entriesAdded: 3, length: 2 });
    expect(lost(trimmed, '0-0')).toBe(true);
    expect(lost(trimmed, '100-0')).toBe(true);
    expect(lost(trimmed, '200-0')).toBe(false);
    expect(lost(state({ maxDeletedId: '250-0', entriesAdded: 3, length: 2 }), '200-0')).toBe(true);
  });

  it('judges by ids alone where Redis does not report entries-added', () => {
    expect(lost(state({ entriesAdded: Number.NaN }), '0-0')).toBe(true);
    expect(lost(state({ entriesAdded: Number.NaN }), '100-0')).toBe(false);
  });
});
