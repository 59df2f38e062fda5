/**
 * The compiled matcher of an anchor: every surface form of every entity goes into one token
 * trie keyed by folded words, built once per anchor version. Matching an item is a single
 * left-to-right walk over its tokens (leftmost-longest), with case rules per word and
 * false-friend contexts checked only where a candidate match sits.
 */
import type { Entity } from '../model/anchor.ts';
import { tokenize, type Token } from './text-normalize.ts';

/** How a word of a surface form must be capitalised in the text for the surface to count. */
type CaseRule = 'any' | 'proper' | 'acronym';

interface Output {
  key: string;
  rules: CaseRule[];
}

interface TrieNode {
  next: Map<string, TrieNode>;
  outputs: Output[];
}

/** A match on the original text: [start, end, key]. */
export type MatchSpan = [start: number, end: number, key: string];

/** The compiled, reusable matcher of one entity list. */
export interface Matcher {
  /** Mention counts per entity key over an item's title and summary (each tokenised on its own). */
  match(title: string, summary: string): Array<{ key: string; count: number }>;
  /** The same on already tokenised fields, so a caller that also scores the item tokenises once. */
  matchTokens(fields: Token[][]): Array<{ key: string; count: number }>;
  /** Spans of every mention on the original text, for highlighting. */
  matchSpans(text: string): MatchSpan[];
  /** Per field, every mention as token positions [first, last, key]: where an entity sits, for NEAR and field queries. */
  mentionPositions(fields: Token[][]): Array<Array<[first: number, last: number, key: string]>>;
}

/**
 * Words that look like a mention but are not, as data: when a surface's first word (folded)
 * is `word` and the word after (or before) the match is listed, the match is dropped.
 */
export const FALSE_FRIENDS: ReadonlyArray<{
  word: string;
  next?: string[];
  prev?: string[];
  /** Words anywhere in the same item that reveal the other sense ("grapes" near "Muscat"). */
  inItem?: string[];
  why: string;
}> = [
  { word: 'trump', next: ['card', 'cards'], why: 'the idiom "trump card", capitalised in a Title Case headline' },
  {
    word: 'muscat',
    next: ['grape', 'grapes', 'wine', 'wines', 'vine', 'vines', 'variety', 'varieties', 'raisin', 'raisins', 'de', 'blanc', 'dessert'],
    prev: ['sweet', 'dry', 'sparkling', 'white', 'black', 'orange', 'moscato'],
    inItem: ['grape', 'grapes', 'muscatel', 'muscats', 'wine', 'wines', 'winemaker', 'winemakers', 'vineyard', 'vineyards', 'vintner', 'vintners', 'moscato', 'viticulture'],
    why: 'the grape and its wine, capitalised at a sentence start or in a headline',
  },
  {
    word: 'carrier',
    prev: ['mobile', 'wireless', 'phone', 'cellular', 'telecom', 'telecoms', 'air', 'freight', 'cargo', 'budget', 'flag', 'low', 'cost', 'shipping', 'parcel', 'pigeon', 'common'],
    next: ['pigeon', 'pigeons', 'oil', 'frequency', 'wave', 'bag', 'bags'],
    why: 'carriers that are companies, radio signals or pigeons',
  },
  { word: 'turkey', next: ['dinner', 'sandwich', 'sandwiches', 'breast', 'farm', 'farms', 'farmers', 'meat', 'burger', 'roast', 'bacon'], why: 'the bird' },
  { word: 'us', prev: ['let', 'join', 'tell', 'told', 'give', 'gave', 'help', 'show', 'follow', 'call', 'email', 'contact'], why: 'the pronoun in an ALL-CAPS headline' },
  { word: 'jordan', next: ['brand', 'sneakers', 'shoes'], why: 'the brand' },
];

const falseFriendIndex = new Map<string, { next: Set<string>; prev: Set<string>; inItem: Set<string> }>();
for (const f of FALSE_FRIENDS) {
  falseFriendIndex.set(f.word, { next: new Set(f.next ?? []), prev: new Set(f.prev ?? []), inItem: new Set(f.inItem ?? []) });
}

/** Longest transliterated names get a bounded fuzzy match: one edit, same first two letters. */
const FUZZY_MIN_LENGTH = 7;

function caseRuleOf(t: Token, kind: Entity['kind']): CaseRule {
  if (t.shape === 'upper') return 'acronym';
  if (t.shape === 'capital' && kind !== 'topic') return 'proper';
  return 'any';
}

function caseOk(rule: CaseRule, t: Token): boolean {
  switch (rule) {
    case 'any':
      return true;
    case 'proper':
      return t.shape === 'capital' || t.shape === 'upper';
    case 'acronym':
      return t.shape === 'upper';
  }
}

/** True when a and b are at most one edit apart (insert, delete, substitute, adjacent swap). */
function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  const la = a.length;
  const lb = b.length;
  if (Math.abs(la - lb) > 1) return false;
  let i = 0;
  while (i < la && i < lb && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (la === lb) {
    if (a.slice(i + 1) === b.slice(i + 1)) return true;
    return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
  }
  return la > lb ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}

/**
 * Compiles an entity list into one matcher. Surface forms: each entity's name and aliases,
 * tokenised and folded exactly as item text is, so diacritics, curly apostrophes,
 * possessives, hyphens and line breaks need no special patterns.
 */
export function compileMatcher(entities: Entity[]): Matcher {
  const root: TrieNode = { next: new Map(), outputs: [] };
  const fuzzy: Array<{ folded: string; prefix: string; key: string }> = [];
  const fuzzyPrefixes = new Set<string>();
  for (const entity of entities) {
    for (const surface of [entity.name, ...entity.aliases]) {
      const tokens = tokenize(surface);
      if (tokens.length === 0) continue;
      let node = root;
      for (const t of tokens) {
        let child = node.next.get(t.folded);
        if (!child) {
          child = { next: new Map(), outputs: [] };
          node.next.set(t.folded, child);
        }
        node = child;
      }
      const rules = tokens.map((t) => caseRuleOf(t, entity.kind));
      if (!node.outputs.some((o) => o.key === entity.key && o.rules.join() === rules.join())) {
        node.outputs.push({ key: entity.key, rules });
      }
      const only = tokens[0]!;
      if (tokens.length === 1 && entity.kind === 'person' && only.folded.length >= FUZZY_MIN_LENGTH && only.shape === 'capital') {
        fuzzy.push({ folded: only.folded, prefix: only.folded.slice(0, 2), key: entity.key });
        fuzzyPrefixes.add(only.folded.slice(0, 2));
      }
    }
  }

  /** `item` is every token of the item (title and summary), for item-level contexts. */
  function vetoed(tokens: Token[], start: number, end: number, item: Token[][]): boolean {
    const ff = falseFriendIndex.get(tokens[start]!.folded) ?? falseFriendIndex.get(tokens[end]!.folded);
    if (!ff) return false;
    const after = tokens[end + 1];
    if (after && !after.gapBefore && ff.next.has(after.folded)) return true;
    const before = tokens[start - 1];
    if (before && !tokens[start]!.gapBefore && ff.prev.has(before.folded)) return true;
    if (ff.inItem.size > 0) {
      for (const part of item) for (const t of part) if (ff.inItem.has(t.folded)) return true;
    }
    return false;
  }

  function fuzzyKey(t: Token): string | null {
    if (t.shape !== 'capital' || t.folded.length < FUZZY_MIN_LENGTH - 1 || !fuzzyPrefixes.has(t.folded.slice(0, 2))) return null;
    for (const f of fuzzy) if (f.prefix === t.folded.slice(0, 2) && withinOneEdit(f.folded, t.folded)) return f.key;
    return null;
  }

  /** Calls `emit` for each leftmost-longest mention in the tokens. */
  function scan(tokens: Token[], item: Token[][], emit: (key: string, first: Token, last: Token, at: number, end: number) => void): void {
    let i = 0;
    while (i < tokens.length) {
      // Most words start no surface: one lookup tells, and only those get the fuzzy check.
      const start = root.next.get(tokens[i]!.folded);
      if (start === undefined) {
        const t = tokens[i]!;
        if (fuzzy.length > 0) {
          const key = fuzzyKey(t);
          if (key) emit(key, t, t, i, i);
        }
        i++;
        continue;
      }
      let node: TrieNode | undefined = root;
      let bestEnd = -1;
      let bestKey = '';
      for (let j = i; j < tokens.length; j++) {
        const t = tokens[j]!;
        if (j > i && t.gapBefore) break;
        node = j === i ? start : node.next.get(t.folded);
        if (!node) break;
        for (const out of node.outputs) {
          let ok = true;
          for (let k = 0; k < out.rules.length; k++) {
            if (!caseOk(out.rules[k]!, tokens[i + k]!)) {
              ok = false;
              break;
            }
          }
          if (ok && !vetoed(tokens, i, j, item)) {
            bestEnd = j;
            bestKey = out.key;
            break;
          }
        }
        if (node.next.size === 0) break;
      }
      if (bestEnd >= 0) {
        emit(bestKey, tokens[i]!, tokens[bestEnd]!, i, bestEnd);
        i = bestEnd + 1;
        continue;
      }
      i++;
    }
  }

  function matchTokens(fields: Token[][]) {
    const counts = new Map<string, number>();
    const emit = (key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);
    for (const field of fields) scan(field, fields, emit);
    return [...counts].map(([key, count]) => ({ key, count }));
  }

  return {
    match(title: string, summary: string) {
      return matchTokens([tokenize(title), tokenize(summary)]);
    },
    matchTokens,
    matchSpans(text: string) {
      const spans: MatchSpan[] = [];
      const tokens = tokenize(text);
      scan(tokens, [tokens], (key, first, last) => spans.push([first.start, last.end, key]));
      return spans;
    },
    mentionPositions(fields: Token[][]) {
      return fields.map((field) => {
        const out: Array<[number, number, string]> = [];
        scan(field, fields, (key, _first, _last, at, end) => out.push([at, end, key]));
        return out;
      });
    },
  };
}

