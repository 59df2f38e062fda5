import { describe, expect, it } from 'vitest';
import { tokenize } from '../tagging/text-normalize.ts';
import { RecentTokens } from './recent-tokens.ts';

const item = { title: 'Iran’s envoy in Muscat', summary: 'Talks resumed on Tuesday, officials said.' };
const fresh = (i: { title: string; summary: string }) => ({ title: tokenize(i.title), summary: tokenize(i.summary) });

describe('RecentTokens', () => {
  it('hands a kept item its own tokens once, then tokenises afresh', () => {
    const memo = new RecentTokens();
    const kept = memo.keep(item);
    expect(kept).toEqual(fresh(item));
    expect(memo.take(item)).toBe(kept);
    expect(memo.size).toBe(0);
    const again = memo.take(item);
    expect(again).not.toBe(kept);
    expect(again).toEqual(fresh(item));
  });

  it('tells apart items whose title and summary only differ in where one ends', () => {
    const memo = new RecentTokens();
    memo.keep({ title: 'Oman talks', summary: 'resume' });
    const other = { title: 'Oman', summary: 'talks resume' };
    expect(memo.take(other)).toEqual(fresh(other));
    expect(memo.size).toBe(1);
  });

  it('keeps at most its limit, dropping the oldest first', () => {
    const memo = new RecentTokens(2);
    const items = [1, 2, 3].map((n) => ({ title: `Item ${n}`, summary: `Summary ${n}` }));
    const kept = items.map((i) => memo.keep(i));
    expect(memo.size).toBe(2);
    expect(memo.take(items[0]!)).not.toBe(kept[0]);
    expect(memo.take(items[1]!)).toBe(kept[1]);
    expect(memo.take(items[2]!)).toBe(kept[2]);
  });
});
