/**
 * The words of a piece that can carry its subject: those compromise reads, in most of their
 * uses, as nouns or adjectives. The story model keeps only these in its vocabulary.
 */
import nlp from 'compromise';
import { wordTerm } from './collection-terms.ts';
import { tokenize } from './text-normalize.ts';

// Recompiles of one anchor (coverage, verdicts, calibration) read the same piece: tag it once.
const topicalCache = new Map<string, Set<string>>();
const TOPICAL_CACHE_LIMIT = 64;

/**
 * Terms of the words compromise reads, in most of their uses in the text, as nouns or adjectives
 * (not numbers, pronouns or verbs). A vote over every use: "hold" is the headline's verb even
 * when the body once puts something "on hold", and "talks" stays the subject where a sentence
 * reads it as a verb. A word hyphened onto a name ("US-led", "Kremlin-backed") describes that
 * name's part, not the subject.
 */
export function topicalTerms(text: string): Set<string> {
  const cached = topicalCache.get(text);
  if (cached) return cached;
  const out = new Set<string>();
  if (topicalCache.size >= TOPICAL_CACHE_LIMIT) topicalCache.clear();
  topicalCache.set(text, out);
  const votes = new Map<string, number>();
  const doc = nlp(text).json({ terms: { tags: true } }) as Array<{ terms: Array<{ text: string; tags: string[]; pre?: string; post?: string }> }>;
  for (const sentence of doc) {
    for (const [i, term] of sentence.terms.entries()) {
      const tags = term.tags;
      // A participle before a noun modifies it ("disputed border", "contested waters"): it carries the subject too.
      const next = sentence.terms[i + 1]?.tags ?? [];
      const modifier = tags.includes('Verb') && (tags.includes('PastTense') || tags.includes('Participle') || tags.includes('Gerund')) && next.includes('Noun');
      const prev = sentence.terms[i - 1];
      const onName = prev !== undefined && /-$/.test(prev.post ?? '') && /^[A-Z]/.test(prev.text);
      const nounish = (tags.includes('Noun') || tags.includes('Adjective') || modifier) && !tags.includes('Pronoun') && !tags.includes('Value') && !onName;
      for (const t of tokenize(term.text)) {
        const w = wordTerm(t);
        if (w !== '') votes.set(w, (votes.get(w) ?? 0) + (nounish ? 1 : -1));
      }
    }
  }
  for (const [w, v] of votes) if (v > 0) out.add(w);
  return out;
}

