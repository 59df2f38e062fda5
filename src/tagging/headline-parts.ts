/**
 * A headline's news and its circumstances. English headlines put the news first (who does
 * what: "X and Y hold direct talks") and trail the setting behind a circumstance word ("… amid
 * fears of escalation", "… under the shadow of war", "… as prices climb"): the trailing part
 * tells when and in what climate, not what the story is, so it weighs as the lede does.
 */
import { tokenize } from './text-normalize.ts';

/** Words opening a trailing circumstance in a headline (general English grammar, not a story's words). */
const CIRCUMSTANCE_WORDS: ReadonlySet<string> = new Set(['amid', 'amidst', 'under', 'despite', 'as', 'after', 'while', 'following', 'ahead', 'before', 'during', 'since']);

/** Splits a headline at its first circumstance word after the opening words; no split when it has none. */
export function headlineParts(headline: string): { news: string; circumstance: string } {
  const tokens = tokenize(headline);
  // The first three words are the subject and verb at least ("After the talks, …" opens with one).
  for (let i = 3; i < tokens.length; i++) {
    if (CIRCUMSTANCE_WORDS.has(tokens[i]!.folded)) return { news: headline.slice(0, tokens[i]!.start).trimEnd(), circumstance: headline.slice(tokens[i]!.start) };
  }
  return { news: headline, circumstance: '' };
}

/**
 * The lede's news and circumstances: in running prose a circumstance trails behind a comma
 * ("…held talks in Abu Dhabi, as Washington seeks a way to end the war"); "as" without one is
 * mostly a comparison ("as well as"). The circumstance weighs as the body does.
 */
export function ledeParts(lede: string): { news: string; circumstance: string } {
  const news: string[] = [];
  const circumstance: string[] = [];
  for (const sentence of lede.split(/(?<=[.!?])\s+/)) {
    const tokens = tokenize(sentence);
    const at = tokens.findIndex((t, i) => i >= 3 && CIRCUMSTANCE_WORDS.has(t.folded) && /,\s*$/.test(sentence.slice(tokens[i - 1]!.end, t.start)));
    if (at < 0) news.push(sentence);
    else {
      news.push(sentence.slice(0, tokens[at]!.start).trimEnd());
      circumstance.push(sentence.slice(tokens[at]!.start));
    }
  }
  return { news: news.join(' '), circumstance: circumstance.join(' ') };
}
