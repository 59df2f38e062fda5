/**
 * Evaluates alert queries against items. An item is prepared once (tokenised and folded with
 * the tagging tokenizer, its entity keys taken from the tagging matcher, word positions kept
 * per field) and then tested against any number of compiled queries, so per-alert work is
 * set lookups, plus position checks for phrases, NEAR and field scopes.
 */
import { AppError, ErrorCodes } from '../errors.ts';
import { tokenize, type Token } from '../tagging/text-normalize.ts';
import { positionOf } from './parse-query.ts';
import type { FieldName, NearOperand, QueryAst } from './query-ast.ts';

/** Field numbers of a prepared item: the title, the summary, the feed's title. */
export const FIELD_TITLE = 0;
export const FIELD_SUMMARY = 1;
export const FIELD_SOURCE = 2;

/** Entity mentions of one field as token positions: [first, last, key]. */
export type MentionPositions = ReadonlyArray<readonly [first: number, last: number, key: string]>;

/** Finds where entities are mentioned, per field (the anchor's tagging matcher). */
export type MentionFinder = (fields: Token[][]) => ReadonlyArray<MentionPositions>;

/** The words of one field, with lookups for words, prefixes and positions. */
export interface PreparedField {
  readonly words: ReadonlyArray<string>;
  readonly set: ReadonlySet<string>;
  /** The distinct words sorted, for prefix lookups by binary search. */
  readonly sorted: ReadonlyArray<string>;
  /** Where each word occurs in the field. */
  readonly positions: ReadonlyMap<string, ReadonlyArray<number>>;
}

/** An item ready for matching: folded words per field, lookups for words, prefixes and entities. */
export interface PreparedDocument {
  /** Folded words of each text field (title, then summary): phrases and NEAR match inside one field only. */
  readonly fields: ReadonlyArray<ReadonlyArray<string>>;
  /** Every distinct folded word of the title and summary. */
  readonly words: ReadonlySet<string>;
  /** The same words sorted, for prefix lookups by binary search. */
  readonly sortedWords: ReadonlyArray<string>;
  /** The title, the summary and the feed's title (`FIELD_*`), each with its lookups. */
  readonly parts: readonly [PreparedField, PreparedField, PreparedField];
  /** Entity keys the tagging matcher found in the item. */
  readonly entities: ReadonlySet<string>;
  /** Where entities are mentioned in one field; computed on first use (only NEAR and field queries need it). */
  mentionsIn(field: number): MentionPositions;
}

/** What prepareDocument takes besides the item's text. */
export interface PrepareOptions {
  /** The title of the feed that carried the item, for `source:`. */
  source?: string;
  /** The anchor's matcher, for entities inside NEAR and fields; without it such an entity matches nothing. */
  mentions?: MentionFinder;
}

/** A query checked against its anchor and turned into a test function. */
export interface CompiledQuery {
  readonly ast: QueryAst;
  readonly test: (doc: PreparedDocument) => boolean;
}

/** Prepares an item from its title, summary and the mention counts the tagging matcher found. */
export function prepareDocument(
  title: string,
  summary: string,
  entityMatches: ReadonlyMap<string, number>,
  options: PrepareOptions = {},
): PreparedDocument {
  return prepareDocumentFromTokens([tokenize(title), tokenize(summary)], entityMatches, options);
}

/**
 * One field's lookups. Only the word list is built up front: the sorted list, the set and the
 * positions are built on first use (most queries are words and entities, answered by the
 * document's word set), and then kept.
 */
function prepareField(tokens: ReadonlyArray<Token>): PreparedField {
  const words = tokens.map((t) => t.folded);
  let positions: Map<string, number[]> | null = null;
  let sorted: string[] | null = null;
  let set: Set<string> | null = null;
  const positionsOf = () => {
    if (positions) return positions;
    positions = new Map<string, number[]>();
    for (let i = 0; i < words.length; i++) {
      const list = positions.get(words[i]!);
      if (list) list.push(i);
      else positions.set(words[i]!, [i]);
    }
    return positions;
  };
  const sortedOf = () => (sorted ??= [...positionsOf().keys()].sort());
  return {
    words,
    get set() {
      return (set ??= new Set(sortedOf()));
    },
    get sorted() {
      return sortedOf();
    },
    get positions() {
      return positionsOf();
    },
  };
}

/** The same from already tokenised fields (title, summary), so the tag worker tokenises an item once for tagging and alerts. */
export function prepareDocumentFromTokens(
  tokenFields: ReadonlyArray<ReadonlyArray<Token>>,
  entityMatches: ReadonlyMap<string, number>,
  options: PrepareOptions = {},
): PreparedDocument {
  const titleTokens = tokenFields[0] ?? [];
  const summaryTokens = tokenFields[1] ?? [];
  const sourceTokens = options.source ? tokenize(options.source) : [];
  const parts = [prepareField(titleTokens), prepareField(summaryTokens), prepareField(sourceTokens)] as const;
  // The word set straight from the words (its order is not the sorted one; nothing reads it in order).
  const all = new Set(parts[0].words);
  for (const w of parts[1].words) all.add(w);
  let sortedWords: string[] | null = null;
  const entities = new Set<string>();
  for (const [key, count] of entityMatches) if (count > 0) entities.add(key);
  let mentions: ReadonlyArray<MentionPositions> | null = null;
  const finder = options.mentions;
  return {
    fields: [parts[0].words, parts[1].words],
    words: all,
    get sortedWords() {
      return (sortedWords ??= [...all].sort());
    },
    parts,
    entities,
    mentionsIn(field) {
      if (!finder) return [];
      // The title and summary are read together, as tagging reads them; the source on its own.
      mentions ??= [...finder([[...titleTokens], [...summaryTokens]]), ...finder([[...sourceTokens]])];
      return mentions[field] ?? [];
    },
  };
}

/** True when some word of the sorted list starts with `prefix` (binary search). */
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

/** Start positions of the phrase in one field. */
function phraseStarts(field: PreparedField, words: ReadonlyArray<string>): number[] {
  const starts = field.positions.get(words[0]!);
  if (!starts) return [];
  const out: number[] = [];
  for (const at of starts) {
    if (at + words.length > field.words.length) continue;
    let k = 1;
    while (k < words.length && field.words[at + k] === words[k]) k++;
    if (k === words.length) out.push(at);
  }
  return out;
}

/** Where an operand occurs in one field, as [first, last] token positions (flat pairs). */
function spansOf(operand: NearOperand, doc: PreparedDocument, f: number): number[] {
  const field = doc.parts[f]!;
  switch (operand.type) {
    case 'term': {
      if (!operand.prefix) return (field.positions.get(operand.word) ?? []).flatMap((p) => [p, p]);
      const out: number[] = [];
      field.words.forEach((w, i) => {
        if (w.startsWith(operand.word)) out.push(i, i);
      });
      return out;
    }
    case 'phrase':
      return phraseStarts(field, operand.words).flatMap((s) => [s, s + operand.words.length - 1]);
    case 'entity':
      return doc.mentionsIn(f).flatMap(([first, last, key]) => (key === operand.key ? [first, last] : []));
  }
}

/** True when a span of `a` and one of `b` leave at most `distance` words between their near ends (overlap counts). */
function spansWithin(a: number[], b: number[], distance: number): boolean {
  for (let i = 0; i < a.length; i += 2) {
    for (let j = 0; j < b.length; j += 2) {
      const gap = Math.max(a[i]!, b[j]!) - Math.min(a[i + 1]!, b[j + 1]!);
      if (gap <= distance) return true;
    }
  }
  return false;
}

/** The fields a scope covers: unscoped text is the title and the summary. */
const SCOPE_FIELDS: Record<'text' | FieldName, readonly number[]> = {
  text: [FIELD_TITLE, FIELD_SUMMARY],
  title: [FIELD_TITLE],
  source: [FIELD_SOURCE],
};

type Test = (doc: PreparedDocument) => boolean;

function compileNode(ast: QueryAst, entityKeys: ReadonlySet<string>, scope: 'text' | FieldName): Test {
  const fields = SCOPE_FIELDS[scope];
  switch (ast.type) {
    case 'term': {
      const word = ast.word;
      if (scope === 'text') return ast.prefix ? (doc) => hasPrefix(doc.sortedWords, word) : (doc) => doc.words.has(word);
      const f = fields[0]!;
      return ast.prefix ? (doc) => hasPrefix(doc.parts[f]!.sorted, word) : (doc) => doc.parts[f]!.set.has(word);
    }
    case 'phrase': {
      const words = ast.words;
      if (words.length === 0) return () => false;
      return (doc) => fields.some((f) => phraseStarts(doc.parts[f]!, words).length > 0);
    }
    case 'entity': {
      const key = ast.key;
      checkEntity(ast, entityKeys);
      // Unscoped, an entity is what tagging counted; scoped, it must be mentioned in that field.
      if (scope === 'text') return (doc) => doc.entities.has(key);
      return (doc) => fields.some((f) => doc.mentionsIn(f).some((m) => m[2] === key));
    }
    case 'near': {
      const { left, right, distance } = ast;
      for (const side of [left, right]) if (side.type === 'entity') checkEntity(side, entityKeys);
      // The cheap test first: both operands must be in the item at all.
      const both = compileNode({ type: 'and', children: [left, right] }, entityKeys, scope);
      return (doc) => both(doc) && fields.some((f) => spansWithin(spansOf(left, doc, f), spansOf(right, doc, f), distance));
    }
    case 'field':
      return compileNode(ast.child, entityKeys, ast.field);
    case 'not': {
      const child = compileNode(ast.child, entityKeys, scope);
      return (doc) => !child(doc);
    }
    case 'and': {
      const children = ast.children.map((c) => compileNode(c, entityKeys, scope));
      return (doc) => {
        for (const c of children) if (!c(doc)) return false;
        return true;
      };
    }
    case 'or': {
      const children = ast.children.map((c) => compileNode(c, entityKeys, scope));
      return (doc) => {
        for (const c of children) if (c(doc)) return true;
        return false;
      };
    }
  }
}

function checkEntity(ast: QueryAst & { type: 'entity' }, entityKeys: ReadonlySet<string>): void {
  if (entityKeys.has(ast.key)) return;
  const position = positionOf(ast);
  const where = position === undefined ? '' : ` at position ${position}`;
  throw new AppError(ErrorCodes.querySyntax, `Unknown entity${where}: "${ast.key}" is not an entity of this anchor`, {
    details: { position, key: ast.key, expected: 'an entity key of the anchor' },
  });
}

/** Compiles a parsed query for an anchor; an unknown entity key throws AppError(querySyntax) with its position. */
export function compileQuery(ast: QueryAst, ctx: { entityKeys: ReadonlySet<string> }): CompiledQuery {
  return { ast, test: compileNode(ast, ctx.entityKeys, 'text') };
}

/** True when the prepared item matches the compiled query. */
export function matchesItem(compiled: CompiledQuery, doc: PreparedDocument): boolean {
  return compiled.test(doc);
}
