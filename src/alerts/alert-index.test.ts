import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AlertIndex, requiredAtoms } from './alert-index.ts';
import { compileQuery, prepareDocument, type CompiledQuery, type PreparedDocument } from './evaluate-query.ts';
import { parseQuery } from './parse-query.ts';
import type { QueryAst } from './query-ast.ts';

// A small vocabulary so that random queries and random items overlap often.
const WORDS = ['iran', 'oman', 'talks', 'the', 'nuclear', 'sanctions', 'sanctuary', 'muscat', 'us', 'erdogan', 'a', 'sancta'];
const PREFIXES = ['san', 'sanc', 'nuc', 'erd', 'muscat', 'tal', 'zzz'];
const KEYS = ['araghchi', 'muscat', 'iran', 'us'];
const entityKeys = new Set(KEYS);

const astArb: fc.Arbitrary<QueryAst> = fc.letrec<{ node: QueryAst }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', maxDepth: 4 },
    fc.constantFrom(...WORDS).map((word): QueryAst => ({ type: 'term', word })),
    fc.constantFrom(...PREFIXES).map((word): QueryAst => ({ type: 'term', word, prefix: true })),
    fc.array(fc.constantFrom(...WORDS), { minLength: 2, maxLength: 3 }).map((words): QueryAst => ({ type: 'phrase', words })),
    fc.constantFrom(...KEYS).map((key): QueryAst => ({ type: 'entity', key })),
    tie('node').map((child): QueryAst => ({ type: 'not', child })),
    fc.array(tie('node'), { minLength: 2, maxLength: 3 }).map((children): QueryAst => ({ type: 'and', children })),
    fc.array(tie('node'), { minLength: 2, maxLength: 3 }).map((children): QueryAst => ({ type: 'or', children })),
  ),
})).node;

const fieldArb = fc.array(fc.constantFrom(...WORDS, 'Sanctions', 'Erdoğan', 'NUCLEAR', 'Iran’s', 'zebra'), { maxLength: 8 }).map((ws) => ws.join(' '));
const docArb = fc
  .tuple(fieldArb, fieldArb, fc.subarray(KEYS))
  .map(([title, summary, keys]) => prepareDocument(title, summary, new Map(keys.map((k) => [k, 1]))));

function bruteForce(alerts: Map<string, CompiledQuery>, doc: PreparedDocument): string[] {
  return [...alerts].filter(([, q]) => q.test(doc)).map(([id]) => id).sort();
}

describe('AlertIndex', () => {
  it('returns exactly what testing every alert returns (property)', () => {
    fc.assert(
      fc.property(fc.array(astArb, { minLength: 1, maxLength: 40 }), fc.array(docArb, { minLength: 1, maxLength: 10 }), (asts, docs) => {
        const index = new AlertIndex();
        const alerts = new Map<string, CompiledQuery>();
        asts.forEach((ast, i) => {
          const compiled = compileQuery(ast, { entityKeys });
          alerts.set(`a${i}`, compiled);
          index.add(`a${i}`, compiled);
        });
        for (const doc of docs) expect(index.match(doc)).toEqual(bruteForce(alerts, doc));
      }),
      { numRuns: 300 },
    );
  });

  it('stays equivalent after removals and replacements (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.option(astArb, { nil: null })), { minLength: 1, maxLength: 40 }),
        docArb,
        (ops, doc) => {
          const index = new AlertIndex();
          const alerts = new Map<string, CompiledQuery>();
          for (const [slot, ast] of ops) {
            const id = `a${slot}`;
            if (ast === null) {
              index.remove(id);
              alerts.delete(id);
            } else {
              const compiled = compileQuery(ast, { entityKeys });
              index.add(id, compiled);
              alerts.set(id, compiled);
            }
          }
          expect(index.size).toBe(alerts.size);
          expect(index.match(doc)).toEqual(bruteForce(alerts, doc));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('tests an alert only when the item holds one of its required atoms', () => {
    const index = new AlertIndex();
    let tested = 0;
    const counting = (query: string): CompiledQuery => {
      const compiled = compileQuery(parseQuery(query), { entityKeys });
      return { ast: compiled.ast, test: (d) => (tested++, compiled.test(d)) };
    };
    index.add('nuclear', counting('nuclear talks'));
    index.add('names', counting('erdogan OR merz'));
    index.add('entity', counting('entity:araghchi'));
    index.add('prefix', counting('sanction*'));
    index.add('not-only', counting('NOT iran'));
    const item = prepareDocument('Oman hosts', 'quiet day', new Map());
    expect(index.match(item)).toEqual(['not-only']);
    expect(tested).toBe(1);
    expect(index.alwaysCheckedCount).toBe(1);
  });

  it('files queries under the atoms they require', () => {
    const atoms = (q: string) => requiredAtoms(parseQuery(q));
    expect(atoms('Iran')).toEqual({ words: ['iran'], prefixes: [], entities: [] });
    expect(atoms('"the nuclear talks"')).toEqual({ words: ['nuclear'], prefixes: [], entities: [] });
    expect(atoms('the AND sanctions')).toEqual({ words: ['sanctions'], prefixes: [], entities: [] });
    expect(atoms('Iran OR sanc* OR entity:us')).toEqual({ words: ['iran'], prefixes: ['san'], entities: ['us'] });
    expect(atoms('NOT Iran')).toBeNull();
    expect(atoms('Iran OR NOT Oman')).toBeNull();
    expect(atoms('NOT Iran AND Oman')).toEqual({ words: ['oman'], prefixes: [], entities: [] });
  });

  it('replaces an alert added twice and ignores removing an unknown id', () => {
    const index = new AlertIndex();
    index.add('x', compileQuery(parseQuery('iran'), { entityKeys }));
    index.add('x', compileQuery(parseQuery('oman'), { entityKeys }));
    index.remove('nope');
    expect(index.size).toBe(1);
    expect(index.match(prepareDocument('Iran', '', new Map()))).toEqual([]);
    expect(index.match(prepareDocument('Oman', '', new Map()))).toEqual(['x']);
    index.remove('x');
    expect(index.match(prepareDocument('Oman', '', new Map()))).toEqual([]);
  });
});
