import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError, ErrorCodes } from '../errors.ts';
import { tokenize, type Token } from '../tagging/text-normalize.ts';
import { AlertIndex } from './alert-index.ts';
import { compileQuery, prepareDocument, type MentionFinder, type PreparedDocument } from './evaluate-query.ts';
import { MAX_NEAR_DISTANCE, MAX_QUERY_LENGTH, parseQuery } from './parse-query.ts';
import { printQuery, type FieldName, type NearOperand, type QueryAst } from './query-ast.ts';

const t = (word: string): QueryAst & NearOperand => ({ type: 'term', word });
const pre = (word: string): QueryAst & NearOperand => ({ type: 'term', word, prefix: true });
const ph = (...words: string[]): QueryAst & NearOperand => ({ type: 'phrase', words });
const ent = (key: string): QueryAst & NearOperand => ({ type: 'entity', key });
const near = (left: NearOperand, distance: number, right: NearOperand): QueryAst => ({ type: 'near', distance, left, right });
const field = (name: FieldName, child: QueryAst): QueryAst => ({ type: 'field', field: name, child });
const and = (...children: QueryAst[]): QueryAst => ({ type: 'and', children });
const or = (...children: QueryAst[]): QueryAst => ({ type: 'or', children });
const not = (child: QueryAst): QueryAst => ({ type: 'not', child });

function syntaxErrorOf(text: string): AppError {
  try {
    parseQuery(text);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe(ErrorCodes.querySyntax);
    return err as AppError;
  }
  throw new Error(`expected a syntax error for ${JSON.stringify(text)}`);
}

describe('parseQuery: NEAR and fields', () => {
  it.each<[string, QueryAst]>([
    ['Iran NEAR/5 sanctions', near(t('iran'), 5, t('sanctions'))],
    ['"nuclear talks" NEAR/3 Muscat', near(ph('nuclear', 'talks'), 3, t('muscat'))],
    ['sanc* NEAR/2 entity:iran', near(pre('sanc'), 2, ent('iran'))],
    ['Oman Iran NEAR/4 talks', and(t('oman'), near(t('iran'), 4, t('talks')))],
    ['NOT Iran NEAR/4 talks', not(near(t('iran'), 4, t('talks')))],
    ['-Iran NEAR/4 talks OR Oman', or(not(near(t('iran'), 4, t('talks'))), t('oman'))],
    ['title:Iran', field('title', t('iran'))],
    ['Title:"nuclear talks"', field('title', ph('nuclear', 'talks'))],
    ['title:negot*', field('title', pre('negot'))],
    ['title:entity:iran', field('title', ent('iran'))],
    ['title:(Iran OR Oman) talks', and(field('title', or(t('iran'), t('oman'))), t('talks'))],
    ['title:(Iran NEAR/2 talks)', field('title', near(t('iran'), 2, t('talks')))],
    ['source:"Al Jazeera"', field('source', ph('al', 'jazeera'))],
    ['source:Reuters AND NOT title:Oman', and(field('source', t('reuters')), not(field('title', t('oman'))))],
    ['near NEAR/1 near', near(t('near'), 1, t('near'))],
  ])('%j', (text, expected) => {
    const ast = parseQuery(text);
    expect(ast).toEqual(expected);
    expect(parseQuery(printQuery(ast))).toEqual(ast);
  });

  it('prints the canonical form', () => {
    expect(printQuery(parseQuery('title:( iran ) source:(reuters OR "al jazeera")'))).toBe('title:iran AND source:(reuters OR "al jazeera")');
    expect(printQuery(parseQuery('(a NEAR/3 b) OR c'))).toBe('a NEAR/3 b OR c');
  });

  it.each<[string, number, string]>([
    ['Iran NEAR talks', 5, `NEAR/n with n a whole number from 1 to ${MAX_NEAR_DISTANCE}`],
    ['Iran NEAR/x talks', 5, `NEAR/n with n a whole number from 1 to ${MAX_NEAR_DISTANCE}`],
    ['Iran NEAR/0 talks', 10, `NEAR/n with n a whole number from 1 to ${MAX_NEAR_DISTANCE}`],
    ['Iran NEAR/101 talks', 10, `NEAR/n with n a whole number from 1 to ${MAX_NEAR_DISTANCE}`],
    ['Iran NEAR/3', 11, 'a word, a quoted phrase, a prefix or entity:KEY after NEAR/3, found the end of the query'],
    ['Iran NEAR/3 (talks)', 12, "a word, a quoted phrase, a prefix or entity:KEY after NEAR/3, found '('"],
    ['(Iran OR Oman) NEAR/3 talks', 0, 'a word, a quoted phrase, a prefix or entity:KEY before NEAR'],
    ['NEAR/3 talks', 0, 'a word, a quoted phrase, a prefix or entity:KEY before NEAR'],
    ['title:Iran NEAR/3 talks', 0, 'a word, a quoted phrase, a prefix or entity:KEY before NEAR (scope the whole NEAR: title:(A NEAR/n B))'],
    ['a NEAR/2 b NEAR/2 c', 11, 'AND between two NEARs (a NEAR joins exactly two terms)'],
    ['title: Iran', 6, "a term, a quoted phrase, entity:KEY or '(' right after 'title:' (no space between)"],
    ['Oman source:', 12, "a term, a quoted phrase, entity:KEY or '(' right after 'source:' (no space between)"],
    ['title:NOT Iran', 6, "a term, a quoted phrase, entity:KEY or '(' right after 'title:' (no space between)"],
    ['title:(source:x)', 7, 'no field inside title: (opened at position 0); fields do not nest'],
  ])('%j is a positioned syntax error', (text, position, expected) => {
    const err = syntaxErrorOf(text);
    expect(err.details).toEqual({ position, expected });
    expect(err.message).toBe(`Syntax error at position ${position}: expected ${expected}`);
  });
});

// A small vocabulary so that random queries, random items and random feed titles overlap often.
const WORDS = ['iran', 'oman', 'talks', 'the', 'nuclear', 'sanctions', 'muscat', 'us', 'al', 'jazeera', 'reuters'];
const PREFIXES = ['san', 'sanc', 'nuc', 'tal', 'jaz', 'zzz'];
// Test entities: each is a run of words, found wherever the run occurs.
const ENTITIES: Record<string, string[]> = { iran: ['iran'], muscat: ['muscat'], 'al-jazeera': ['al', 'jazeera'], 'us-talks': ['us', 'talks'] };
const KEYS = Object.keys(ENTITIES);
const entityKeys = new Set(KEYS);

/** The test matcher: leftmost-longest runs, like the tagging matcher, without its case rules. */
const finder: MentionFinder = (fields: Token[][]) =>
  fields.map((tokens) => {
    const words = tokens.map((tk) => tk.folded);
    const out: Array<[number, number, string]> = [];
    let i = 0;
    while (i < words.length) {
      let best: [number, string] | null = null;
      for (const [key, run] of Object.entries(ENTITIES)) {
        if (run.every((w, k) => words[i + k] === w) && (!best || run.length > best[0])) best = [run.length, key];
      }
      if (best) {
        out.push([i, i + best[0] - 1, best[1]]);
        i += best[0];
      } else i++;
    }
    return out;
  });

/** An item as raw data, for the brute-force evaluator. */
interface RawItem {
  title: string;
  summary: string;
  source: string;
}

function prepared(item: RawItem): PreparedDocument {
  const counts = new Map<string, number>();
  for (const field of finder([tokenize(item.title), tokenize(item.summary)])) for (const [, , key] of field) counts.set(key, (counts.get(key) ?? 0) + 1);
  return prepareDocument(item.title, item.summary, counts, { source: item.source, mentions: finder });
}

/**
 * The meaning of a query, written as plainly as possible: no sets, no index, every field and
 * every position scanned. The evaluator and the index must agree with it on every input.
 */
function bruteForce(ast: QueryAst, item: RawItem, scope: 'text' | FieldName = 'text'): boolean {
  const title = tokenize(item.title);
  const summary = tokenize(item.summary);
  const source = tokenize(item.source);
  const mentions = [...finder([title, summary]), ...finder([source])];
  const all = [title, summary, source].map((f) => f.map((tk) => tk.folded));
  const fields = scope === 'text' ? [0, 1] : scope === 'title' ? [0] : [2];
  const spans = (op: NearOperand, f: number): Array<[number, number]> => {
    const words = all[f]!;
    const out: Array<[number, number]> = [];
    if (op.type === 'entity') {
      for (const [a, b, key] of mentions[f]!) if (key === op.key) out.push([a, b]);
      return out;
    }
    const run = op.type === 'phrase' ? op.words : [op.word];
    for (let i = 0; i + run.length <= words.length; i++) {
      const ok = run.every((w, k) => (op.type === 'term' && op.prefix ? words[i + k]!.startsWith(w) : words[i + k] === w));
      if (ok) out.push([i, i + run.length - 1]);
    }
    return out;
  };
  switch (ast.type) {
    case 'term':
    case 'phrase':
    case 'entity':
      return fields.some((f) => spans(ast, f).length > 0);
    case 'near':
      return fields.some((f) =>
        spans(ast.left, f).some(([a1, a2]) => spans(ast.right, f).some(([b1, b2]) => Math.max(a1, b1) - Math.min(a2, b2) <= ast.distance)),
      );
    case 'field':
      return bruteForce(ast.child, item, ast.field);
    case 'not':
      return !bruteForce(ast.child, item, scope);
    case 'and':
      return ast.children.every((c) => bruteForce(c, item, scope));
    case 'or':
      return ast.children.some((c) => bruteForce(c, item, scope));
  }
}

const operandArb: fc.Arbitrary<NearOperand> = fc.oneof(
  fc.constantFrom(...WORDS).map((w) => t(w)),
  fc.constantFrom(...PREFIXES).map((w) => pre(w)),
  fc.array(fc.constantFrom(...WORDS), { minLength: 2, maxLength: 2 }).map((ws) => ph(...ws)),
  fc.constantFrom(...KEYS).map((k) => ent(k)),
);
const nearArb = fc.tuple(operandArb, fc.integer({ min: 1, max: 4 }), operandArb).map(([l, n, r]) => near(l, n, r));

/** Trees without fields (the inside of a field), then trees that may hold fields at any depth. */
function treeArb(leaf: fc.Arbitrary<QueryAst>): fc.Arbitrary<QueryAst> {
  return fc.letrec<{ node: QueryAst }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', maxDepth: 3 },
      leaf,
      tie('node').map((c) => not(c)),
      fc.array(tie('node'), { minLength: 2, maxLength: 3 }).map((cs) => and(...cs)),
      fc.array(tie('node'), { minLength: 2, maxLength: 3 }).map((cs) => or(...cs)),
    ),
  })).node.map(canonical);
}
const innerArb = treeArb(fc.oneof(operandArb, nearArb));
const astArb = treeArb(fc.oneof(operandArb, nearArb, fc.tuple(fc.constantFrom<FieldName>('title', 'source'), innerArb).map(([f, c]) => field(f, c))));

/** Merges same-operator children the way the parser does, so generated trees are canonical. */
function canonical(ast: QueryAst): QueryAst {
  if (ast.type === 'not') return not(canonical(ast.child));
  if (ast.type === 'field') return field(ast.field, canonical(ast.child));
  if (ast.type !== 'and' && ast.type !== 'or') return ast;
  const children: QueryAst[] = [];
  for (const c of ast.children.map(canonical)) {
    if (c.type === ast.type) children.push(...c.children);
    else children.push(c);
  }
  return { type: ast.type, children };
}

const textArb = fc.array(fc.constantFrom(...WORDS, 'Sanctions', 'NUCLEAR', 'Iran’s', 'zebra', 'al-Jazeera'), { maxLength: 9 }).map((ws) => ws.join(' '));
const itemArb = fc.record({ title: textArb, summary: textArb, source: textArb });

describe('NEAR and fields: properties', () => {
  it('printing a tree and parsing the text gives the same tree', () => {
    fc.assert(
      fc.property(astArb, (ast) => {
        const text = printQuery(ast);
        fc.pre(text.length <= MAX_QUERY_LENGTH);
        expect(parseQuery(text)).toEqual(ast);
      }),
      { numRuns: 500 },
    );
  });

  it('the evaluator agrees with the brute-force meaning on every item', () => {
    fc.assert(
      fc.property(astArb, fc.array(itemArb, { minLength: 1, maxLength: 6 }), (ast, items) => {
        const compiled = compileQuery(ast, { entityKeys });
        for (const item of items) expect(compiled.test(prepared(item))).toBe(bruteForce(ast, item));
      }),
      { numRuns: 500 },
    );
  });

  it('the alert index returns exactly the alerts the brute-force meaning matches', () => {
    fc.assert(
      fc.property(fc.array(astArb, { minLength: 1, maxLength: 30 }), fc.array(itemArb, { minLength: 1, maxLength: 6 }), (asts, items) => {
        const index = new AlertIndex();
        asts.forEach((ast, i) => index.add(`a${String(i).padStart(2, '0')}`, compileQuery(ast, { entityKeys })));
        for (const item of items) {
          const expected = asts.flatMap((ast, i) => (bruteForce(ast, item) ? [`a${String(i).padStart(2, '0')}`] : []));
          expect(index.match(prepared(item))).toEqual(expected);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('NEAR and fields: examples', () => {
  const item: RawItem = { title: 'Iran and Oman resume nuclear talks', summary: 'Sanctions relief is on the table in Muscat, officials said.', source: 'Al Jazeera English' };
  const matches = (query: string, of: RawItem = item) => compileQuery(parseQuery(query), { entityKeys }).test(prepared(of));

  it('counts the words between the two, in either order, within one field', () => {
    expect(matches('Iran NEAR/4 talks')).toBe(false);
    expect(matches('Iran NEAR/5 talks')).toBe(true);
    expect(matches('talks NEAR/5 Iran')).toBe(true);
    // "talks" ends the title and "Sanctions" starts the summary: adjacent in reading, but two fields.
    expect(matches('talks NEAR/3 sanctions')).toBe(false);
    expect(matches('"nuclear talks" NEAR/1 resume')).toBe(true);
    expect(matches('sanc* NEAR/7 entity:muscat')).toBe(true);
    expect(matches('sanc* NEAR/6 entity:muscat')).toBe(false);
  });

  it('scopes title: to the title and source: to the feed title', () => {
    expect(matches('title:nuclear')).toBe(true);
    expect(matches('title:sanctions')).toBe(false);
    expect(matches('title:entity:muscat')).toBe(false);
    expect(matches('entity:muscat')).toBe(true);
    expect(matches('source:"al jazeera"')).toBe(true);
    expect(matches('source:entity:al-jazeera')).toBe(true);
    expect(matches('source:reuters')).toBe(false);
    // The feed's title is not the item's text.
    expect(matches('jazeera')).toBe(false);
    expect(matches('source:(english NOT reuters) title:(Iran NEAR/2 Oman)')).toBe(true);
  });

  it('rejects an unknown entity inside NEAR or a field with its position', () => {
    try {
      compileQuery(parseQuery('talks NEAR/3 entity:khamenei'), { entityKeys });
      throw new Error('expected an error');
    } catch (err) {
      expect((err as AppError).details).toMatchObject({ key: 'khamenei', position: 13 });
    }
  });
});
