import { describe, expect, it } from 'vitest';
import { articlePage, extractionScore, LAYOUTS } from '../../test/helpers/article-pages.ts';
import { extractArticle } from './extract-article.ts';

const TITLE = 'Harbour authority approves new ferry terminal after long review';
const BODY =
  'The harbour authority approved plans for a new ferry terminal on Tuesday, ending a review that lasted almost three years. ' +
  'Engineers said the terminal would handle twice the passengers of the current pier and cut waiting times at peak hours. ' +
  'Residents near the quay had objected to the noise of construction, and the authority agreed to limit night work. ' +
  'The first sailings from the new berth are expected in the spring of next year, weather permitting. ' +
  'Funding comes from a regional transport grant and from port fees, the authority said in a statement. ' +
  'Local fishermen asked for a separate landing stage so that their boats would not compete with the ferries for space.';

describe('extractArticle', () => {
  for (const layout of LAYOUTS) {
    it(`keeps the article and drops the chrome (${layout} layout)`, () => {
      const page = articlePage(TITLE, BODY, layout);
      const article = extractArticle(page.html, 'https://news.example/story/1');
      expect(article).not.toBeNull();
      expect(article!.title).toBe(TITLE);
      expect(article!.publishedAt).toBe(Date.parse('2026-11-30T09:15:00Z'));
      const score = extractionScore(article!.text, page);
      expect(score.bodyKept).toBeGreaterThanOrEqual(0.95);
      expect(score.chromeDropped).toBeGreaterThanOrEqual(0.95);
      for (const phrase of ['Most read', 'Celebrity chef', 'Copyright Gazette', 'Crosswords']) expect(article!.text).not.toContain(phrase);
      // Block boundaries become spaces: no two words run together.
      expect(article!.text).toContain('three years. Engineers');
    });
  }

  it('reads the date from JSON-LD when no meta tag names it', () => {
    const html = `<html><head><script type="application/ld+json">{"@graph":[{"@type":"WebPage"},{"@type":"NewsArticle","datePublished":"2026-10-01T08:00:00+02:00"}]}</script></head><body><article><h1>${TITLE}</h1><p>${BODY}</p></article></body></html>`;
    expect(extractArticle(html, 'https://news.example/a')!.publishedAt).toBe(Date.parse('2026-10-01T06:00:00Z'));
  });

  it('gives null for a page without an article (a front page of links) and for non-HTML text', () => {
    const links = Array.from({ length: 40 }, (_, i) => `<li><a href="/s/${i}">Headline number ${i}</a></li>`).join('');
    expect(extractArticle(`<html><body><nav><ul>${links}</ul></nav></body></html>`, 'https://news.example/')).toBeNull();
    expect(extractArticle('%PDF-1.7 binary-ish', 'https://news.example/file.pdf')).toBeNull();
    expect(extractArticle('', 'https://news.example/')).toBeNull();
  });

  it('caps the text it returns', () => {
    const long = Array.from({ length: 400 }, () => `<p>${BODY}</p>`).join('');
    const article = extractArticle(`<html><body><article><h1>${TITLE}</h1>${long}</article></body></html>`, 'https://news.example/long', { maxTextChars: 5000 });
    expect(article!.text.length).toBeLessThanOrEqual(5000);
  });
});
