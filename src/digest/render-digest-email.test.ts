import { describe, expect, it } from 'vitest';
import type { DigestItem } from '../model/digest-item.ts';
import { renderDigestEmail } from './render-digest-email.ts';

const item = (over: Partial<DigestItem>): DigestItem => ({
  id: 'i1',
  title: 'Talks <b>resume</b> & continue',
  link: 'https://news.example/a?x=1&y=2',
  source: { feedId: 'f1', title: 'Gulf Wire' },
  publishedAt: '2026-12-01T06:30:00.000Z',
  firstSeenAt: '2026-12-01T06:31:00.000Z',
  score: 3,
  entities: [{ key: 'oman', name: 'Oman', kind: 'place', count: 2 }],
  snippet: 'x',
  why: null,
  alsoReportedBy: [{ feedId: 'f2', title: 'Other', link: null }],
  fullText: false,
  ...over,
});

describe('renderDigestEmail', () => {
  const email = renderDigestEmail({
    anchor: { id: 'muscat', title: 'Muscat talks' },
    items: [item({}), item({ id: 'i2', title: 'Second', link: 'javascript:alert(1)', alsoReportedBy: [] })],
    tz: 'Asia/Muscat',
    dashboardUrl: 'https://aw.example/',
    atomUrl: 'https://aw.example/api/digests/muscat/feed.atom',
    unsubscribeUrl: 'https://aw.example/unsubscribe/t',
  });

  it('escapes text, keeps only http(s) links, and shows outlets, entities and local times', () => {
    expect(email.subject).toBe('Muscat talks: 2 new stories');
    expect(email.html).toContain('Talks &lt;b&gt;resume&lt;/b&gt; &amp; continue');
    expect(email.html).toContain('href="https://news.example/a?x=1&amp;y=2"');
    expect(email.html).not.toContain('javascript:');
    expect(email.html).toContain('2 outlets');
    expect(email.html).toContain('1 outlet');
    expect(email.html).toContain('Oman');
    // 06:30 UTC is 10:30 in Muscat (UTC+4).
    expect(email.html).toContain('10:30');
    expect(email.html).not.toMatch(/<script|<style|class=/i);
  });

  it('has a text part with the same stories and links', () => {
    expect(email.text).toContain('Talks <b>resume</b> & continue');
    expect(email.text).toContain('https://news.example/a?x=1&y=2');
    expect(email.text).toContain('Unsubscribe: https://aw.example/unsubscribe/t');
    expect(email.text).toContain('Atom feed: https://aw.example/api/digests/muscat/feed.atom');
  });
});
