/**
 * Evaluates alert queries against items. An item is prepared once (tokenised and folded with
 * the tagging tokenizer, its entity keys taken from the tagging matcher) and then tested
 * against any number of compiled queries, so per-alert work is only set lookups.
 */
import { AppError, ErrorCodes } from '../errors.ts';
import { tokenize, type Token } from '../tagging/text-normalize.ts';
import { positionOf } from './parse-query.ts';
import type { QueryAst } from './query-ast.ts';

/** An item ready for matching: folded words per field, lookups for words, prefixes and entities. */
export interface PreparedDocument {
  /** Folded words of each field (title, then summary): phrases match inside one field only. */
  readonly fields: ReadonlyArray<ReadonlyArray<string>>;
  /** Every distinct folded word of the item. */
  readonly words: ReadonlySet<string>;
  /** The same words sorted, for prefix lookups by binary search. */
  readonly sortedWords: ReadonlyArray<string>;
  /** Where each word occurs: flat [field, index, field, index, …] pairs, for phrase checks. */
  readonly occurrences: ReadonlyMap<string, ReadonlyArray<number>>;
  /** Entity keys the tagging matcher found in the item. */
  readonly entities: ReadonlySet<string>;
}

/** A query checked against its anchor and turned into a test function. */
export interface CompiledQuery {
  readonly ast: QueryAst;
  readonly test: (doc: PreparedDocument) => boolean;
}

/** Prepares an item from its title, summary and the mention counts the tagging matcher found. */
export function prepareDocument(title: string, summary: string, entityMatches: ReadonlyMap<string, number>): PreparedDocument {
  return prepareDocumentFromTokens([tokenize(title), tokenize(summary)], entityMatches);
}

/** The same from already tokenised fields, so the tag worker tokenises an item once for tagging and alerts. */
export function prepareDocumentFromTokens(
  tokenFields: ReadonlyArray<ReadonlyArray<Token>>,
  entityMatches: ReadonlyMap<string, number>,
): PreparedDocument {
  const fields: string[][] = [];
  const occurrences = new Map<string, number[]>();
  for (let f = 0; f < tokenFields.length; f++) {
    const folded = tokenFields[f]!.map((t) => t.folded);
    fields.push(folded);
    for (let i = 0; i < folded.length; i++) {
      const list = occurrences.get(folded[i]!);
      if (list) list.push(f, i);
      else occurrences.set(folded[i]!, [f, i]);
    }
  }
  const entities = new Set<string>();
  for (const [key, count] of entityMatches) if (count > 0) entities.add(key);
  const sortedWords = [...occurrences.keys()].sort();
  return { fields, words: new Set(sortedWords), sortedWords, occurrences, entities };
}

/** True when some word of the item starts with `prefix` (binary search over the sorted words). */
function hasPrefix(sorted: ReadonlyArray<string>, prefix: string): boolean {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < prefix) lo = mid + 1;
    else hi = mid;
  }
  return lo < sorted.length && sorted[lo]!.startsWith(prefix);
}

function hasPhrase(doc: PreparedDocument, words: ReadonlyArray<string>): boolean {
  const starts = doc.occurrences.get(words[0]!);
  if (!starts) return false;
  for (let s = 0; s < starts.length; s += 2) {
    const field = doc.fields[starts[s]!]!;
    const at = starts[s + 1]!;
    if (at + words.length > field.length) continue;
    let k = 1;
    while (k < words.length && field[at + k] === words[k]) k++;
    if (k === words.length) return true;
  }
  return false;
}

function compileNode(ast: QueryAst, entityKeys: ReadonlySet<string>): (doc: PreparedDocument) => boolean {
  switch (ast.type) {
    case 'term': {
      const word = ast.word;
      return ast.prefix ? (doc) => hasPrefix(doc.sortedWords, word) : (doc) => doc.words.has(word);
    }
    case 'phrase': {
      const words = ast.words;
      if (words.length === 0) return () => false;
      return (doc) => hasPhrase(doc, words);
    }
    case 'entity': {
      const key = ast.key;
      if (!entityKeys.has(key)) {
        const position = positionOf(ast);
        const where = position === undefined ? '' : ` at position ${position}`;
        throw new AppError(ErrorCodes.querySyntax, `Unknown entity${where}: "${key}" is not an entity of this anchor`, {
          details: { position, key, expected: 'an entity key of the anchor' },
        });
      }
      return (doc) => doc.entities.has(key);
    }
    case 'not': {
      const child = compileNode(ast.child, entityKeys);
      return (doc) => !child(doc);
    }
    case 'and': {
      const children = ast.children.map((c) => compileNode(c, entityKeys));
      return (doc) => {
        for (const c of children) if (!c(doc)) return false;
        return true;
      };
    }
    case 'or': {
      const children = ast.children.map((c) => compileNode(c, entityKeys));
      return (doc) => {
        for (const c of children) if (c(doc)) return true;
        return false;
      };
    }
  }
}

/** Compiles a parsed query for an anchor; an unknown entity key throws AppError(querySyntax) with its position. */
export function compileQuery(ast: QueryAst, ctx: { entityKeys: ReadonlySet<string> }): CompiledQuery {
  return { ast, test: compileNode(ast, ctx.entityKeys) };
}

/** True when the prepared item matches the compiled query. */
export function matchesItem(compiled: CompiledQuery, doc: PreparedDocument): boolean {
  return compiled.test(doc);
}
