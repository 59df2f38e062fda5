import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError, ErrorCodes } from '../errors.ts';
import { MAX_QUERY_DEPTH, MAX_QUERY_LENGTH, parseQuery, positionOf } from './parse-query.ts';
import { printQuery, type QueryAst } from './query-ast.ts';

const t = (word: string): QueryAst => ({ type: 'term', word });
const pre = (word: string): QueryAst => ({ type: 'term', word, prefix: true });
const ph = (...words: string[]): QueryAst => ({ type: 'phrase', words });
const ent = (key: string): QueryAst => ({ type: 'entity', key });
const and = (...children: QueryAst[]): QueryAst => ({ type: 'and', children });
const or = (...children: QueryAst[]): QueryAst => ({ type: 'or', children });
const not = (child: QueryAst): QueryAst => ({ type: 'not', child });

const TERM = "a term, a quoted phrase, entity:KEY or '('";

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

describe('parseQuery: valid queries', () => {
  it.each<[string, QueryAst]>([
    ['Iran', t('iran')],
    ['"nuclear talks"', ph('nuclear', 'talks')],
    ['entity:araghchi', ent('araghchi')],
    ['sanction*', pre('sanction')],
    ['Iran AND Oman', and(t('iran'), t('oman'))],
    ['Iran Oman', and(t('iran'), t('oman'))],
    ['Iran OR Oman', or(t('iran'), t('oman'))],
    ['NOT Iran', not(t('iran'))],
    ['-Iran', not(t('iran'))],
    ['Iran -Israel', and(t('iran'), not(t('israel')))],
    ['-"carrier group"', not(ph('carrier', 'group'))],
    ['-(a OR b)', not(or(t('a'), t('b')))],
    ['a OR b c', or(t('a'), and(t('b'), t('c')))],
    ['a b OR c', or(and(t('a'), t('b')), t('c'))],
    ['NOT a b', and(not(t('a')), t('b'))],
    ['NOT a OR b', or(not(t('a')), t('b'))],
    ['NOT (a OR b)', not(or(t('a'), t('b')))],
    ['NOT NOT a', not(not(t('a')))],
    ['(a OR b) c', and(or(t('a'), t('b')), t('c'))],
    ['a AND (b AND c)', and(t('a'), t('b'), t('c'))],
    ['a OR (b OR c) OR d', or(t('a'), t('b'), t('c'), t('d'))],
    ['((a))', t('a')],
    ['a and b', and(t('a'), t('and'), t('b'))],
    ['war or peace', and(t('war'), t('or'), t('peace'))],
    ['not Iran', and(t('not'), t('iran'))],
    ['Erdoğan', t('erdogan')],
    ['ERDOGAN', t('erdogan')],
    ['Araghchi’s', t('araghchi')],
    ["Araghchi's", t('araghchi')],
    ["don’t", t("don't")],
    ['US-Iran', ph('us', 'iran')],
    ['U.S.', t('us')],
    ['"Iran"', t('iran')],
    ['“nuclear  Talks”', ph('nuclear', 'talks')],
    ['"NOT AND OR"', ph('not', 'and', 'or')],
    ['Erdoğ*', pre('erdog')],
    ['entity:carrier-group OR entity:us', or(ent('carrier-group'), ent('us'))],
    ['  Iran\t\nOman  ', and(t('iran'), t('oman'))],
    ['(Iran)Oman', and(t('iran'), t('oman'))],
  ])('%s', (text, tree) => {
    expect(parseQuery(text)).toEqual(tree);
  });

  it('records where each node was read', () => {
    const ast = parseQuery('Iran AND entity:oman');
    expect(ast.type).toBe('and');
    if (ast.type !== 'and') return;
    expect(positionOf(ast.children[0]!)).toBe(0);
    expect(positionOf(ast.children[1]!)).toBe(9);
  });

  it('prints the canonical form', () => {
    expect(printQuery(parseQuery('-Iran (oman OR "Muscat talks") sanc*'))).toBe('NOT iran AND (oman OR "muscat talks") AND sanc*');
    expect(printQuery(parseQuery('a b OR NOT (c OR d)'))).toBe('a AND b OR NOT (c OR d)');
  });

  it('accepts the longest and deepest allowed queries', () => {
    expect(parseQuery('x'.repeat(MAX_QUERY_LENGTH))).toEqual(t('x'.repeat(MAX_QUERY_LENGTH)));
    const deep = `${'('.repeat(MAX_QUERY_DEPTH)}a${')'.repeat(MAX_QUERY_DEPTH)}`;
    expect(parseQuery(deep)).toEqual(t('a'));
  });
});

describe('parseQuery: syntax errors name the position and what was expected', () => {
  it.each<[string, number, string, string]>([
    ['', 0, TERM, `Syntax error at position 0: expected ${TERM} (the query is empty)`],
    ['   ', 0, TERM, `Syntax error at position 0: expected ${TERM} (the query is empty)`],
    ['Iran AND', 8, TERM, `Syntax error at position 8: expected ${TERM} after AND, found the end of the query`],
    ['Iran OR', 7, TERM, `Syntax error at position 7: expected ${TERM} after OR, found the end of the query`],
    ['Iran NOT', 8, TERM, `Syntax error at position 8: expected ${TERM} after NOT, found the end of the query`],
    ['OR Iran', 0, TERM, `Syntax error at position 0: expected ${TERM}, found OR`],
    ['AND Iran', 0, TERM, `Syntax error at position 0: expected ${TERM}, found AND`],
    ['Iran AND OR Oman', 9, TERM, `Syntax error at position 9: expected ${TERM} after AND, found OR`],
    ['Iran OR ) Oman', 8, TERM, `Syntax error at position 8: expected ${TERM} after OR, found ')'`],
    ['()', 1, TERM, `Syntax error at position 1: expected ${TERM}, found ')'`],
    ['(Iran OR Oman', 13, "')' to close the '(' at position 0", "Syntax error at position 13: expected ')' to close the '(' at position 0"],
    ['Iran (Oman (Muscat)', 19, "')' to close the '(' at position 5", "Syntax error at position 19: expected ')' to close the '(' at position 5"],
    [
      'Iran) Oman',
      4,
      'an operator, a term or the end of the query',
      "Syntax error at position 4: expected an operator, a term or the end of the query, found ')' without a matching '('",
    ],
    ['"nuclear talks', 14, 'a closing quote for the phrase opened at position 0', 'Syntax error at position 14: expected a closing quote for the phrase opened at position 0'],
    ['Iran ""', 5, 'at least one word inside the quotes', 'Syntax error at position 5: expected at least one word inside the quotes'],
    ['" ,; "', 0, 'at least one word inside the quotes', 'Syntax error at position 0: expected at least one word inside the quotes'],
    ['"sanc* talks"', 5, "a closing quote ('*' prefixes are not allowed inside a phrase)", "Syntax error at position 5: expected a closing quote ('*' prefixes are not allowed inside a phrase)"],
    ['Ir*an', 2, "'*' only at the end of a word", "Syntax error at position 2: expected '*' only at the end of a word"],
    ['Iran**', 4, "'*' only at the end of a word", "Syntax error at position 4: expected '*' only at the end of a word"],
    ['Iran *', 5, "a word before '*'", "Syntax error at position 5: expected a word before '*'"],
    ['"a b"*', 5, "a word before '*'", "Syntax error at position 5: expected a word before '*'"],
    ['ir*', 0, "at least 3 letters or digits before '*'", "Syntax error at position 0: expected at least 3 letters or digits before '*'"],
    ['US-Ira*', 0, "a single word before '*'", "Syntax error at position 0: expected a single word before '*'"],
    ['entity:', 7, "an entity key after 'entity:' (lowercase letters, digits and '-')", "Syntax error at position 7: expected an entity key after 'entity:' (lowercase letters, digits and '-')"],
    ['Iran entity:Oman', 12, "an entity key of lowercase letters, digits and '-'", "Syntax error at position 12: expected an entity key of lowercase letters, digits and '-'"],
    ['entity:iran*', 11, "an entity key of lowercase letters, digits and '-'", "Syntax error at position 11: expected an entity key of lowercase letters, digits and '-'"],
    ['Iran & Oman', 5, 'a word with letters or digits', 'Syntax error at position 5: expected a word with letters or digits'],
    ['Iran - Oman', 5, "a term right after '-' (NOT shorthand: no space between)", "Syntax error at position 5: expected a term right after '-' (NOT shorthand: no space between)"],
  ])('%j', (text, position, expected, message) => {
    const err = syntaxErrorOf(text);
    expect(err.details).toEqual({ position, expected });
    expect(err.message).toBe(message);
  });

  it('rejects a query over the length limit', () => {
    const err = syntaxErrorOf('x'.repeat(MAX_QUERY_LENGTH + 1));
    expect(err.details).toEqual({ position: MAX_QUERY_LENGTH, expected: `at most ${MAX_QUERY_LENGTH} characters` });
  });

  it('rejects nesting past the depth limit instead of overflowing the stack', () => {
    const parens = `${'('.repeat(MAX_QUERY_DEPTH + 1)}a${')'.repeat(MAX_QUERY_DEPTH + 1)}`;
    expect(syntaxErrorOf(parens).details).toEqual({ position: MAX_QUERY_DEPTH, expected: `at most ${MAX_QUERY_DEPTH} levels of nesting` });
    const nots = `${'NOT '.repeat(MAX_QUERY_DEPTH + 1)}a`;
    expect(syntaxErrorOf(nots).details).toEqual({ position: 4 * MAX_QUERY_DEPTH, expected: `at most ${MAX_QUERY_DEPTH} levels of nesting` });
    const minus = `${'-'.repeat(MAX_QUERY_DEPTH + 1)}a`;
    expect(syntaxErrorOf(minus).details.position).toBe(MAX_QUERY_DEPTH);
  });
});

// Words that are their own normal form: a single token that folds to itself.
const wordArb = fc.oneof(
  fc.stringMatching(/^[a-z0-9]{1,8}$/),
  fc.constantFrom('and', 'or', 'not', 'entity', "don't", "o'brien", 'erdogan', 'araqchi'),
);
const prefixArb = fc.stringMatching(/^[a-z0-9]{3,8}$/);
const keyArb = fc.stringMatching(/^[a-z0-9-]{1,12}$/);

/** Merges same-operator children the way the parser does, so generated trees are canonical. */
function canonical(ast: QueryAst): QueryAst {
  if (ast.type === 'not') return not(canonical(ast.child));
  if (ast.type !== 'and' && ast.type !== 'or') return ast;
  const children: QueryAst[] = [];
  for (const c of ast.children.map(canonical)) {
    if (c.type === ast.type) children.push(...c.children);
    else children.push(c);
  }
  return { type: ast.type, children };
}

const astArb: fc.Arbitrary<QueryAst> = fc.letrec<{ node: QueryAst }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', maxDepth: 5 },
    wordArb.map((w) => t(w)),
    prefixArb.map((w) => pre(w)),
    fc.array(wordArb, { minLength: 2, maxLength: 4 }).map((ws) => ph(...ws)),
    keyArb.map((k) => ent(k)),
    tie('node').map((c) => not(c)),
    fc.array(tie('node'), { minLength: 2, maxLength: 4 }).map((cs) => and(...cs)),
    fc.array(tie('node'), { minLength: 2, maxLength: 4 }).map((cs) => or(...cs)),
  ),
})).node.map(canonical);

describe('parseQuery: properties', () => {
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

  const pieces = ['Iran', 'oman', 'AND', 'OR', 'NOT', 'and', '(', ')', '"', '*', '-', 'entity:', 'entity:iran', 'Erdoğan’s', 'US-Iran', 'sanc*', ' ', ' ', '&', 'ab', ':'];
  const textArb = fc.array(fc.constantFrom(...pieces), { maxLength: 25 }).map((ps) => ps.join(''));

  it('any text either parses to a tree that survives print → parse, or fails with a positioned syntax error', () => {
    fc.assert(
      fc.property(textArb, (text) => {
        let ast: QueryAst;
        try {
          ast = parseQuery(text);
        } catch (err) {
          expect(err).toBeInstanceOf(AppError);
          expect((err as AppError).code).toBe(ErrorCodes.querySyntax);
          const position = (err as AppError).details.position as number;
          expect(position).toBeGreaterThanOrEqual(0);
          expect(position).toBeLessThanOrEqual(text.length);
          expect((err as AppError).message).toMatch(/^Syntax error at position \d+: expected /);
          return;
        }
        const printed = printQuery(ast);
        expect(parseQuery(printed)).toEqual(ast);
        expect(printQuery(parseQuery(printed))).toBe(printed);
      }),
      { numRuns: 2000 },
    );
  });
});
