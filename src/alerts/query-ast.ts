/**
 * The tree of an alert query and its canonical text. Trees are kept canonical by the parser
 * (AND and OR are n-ary with at least two children, never an AND directly under an AND nor
 * an OR under an OR, a one-word phrase is a term), so printing and re-parsing a tree gives
 * the same tree: the stored query text can always be regenerated from the tree.
 */

/** A whole word (folded with the tagging fold); `prefix` makes it match every word starting with it. */
export interface TermNode {
  type: 'term';
  word: string;
  prefix?: true;
}

/** Consecutive folded words inside one field (title or summary); always two words or more. */
export interface PhraseNode {
  type: 'phrase';
  words: string[];
}

/** An entity of the alert's anchor, matched with all its aliases and variants by the tagging matcher. */
export interface EntityNode {
  type: 'entity';
  key: string;
}

/** Every child must match. */
export interface AndNode {
  type: 'and';
  children: QueryAst[];
}

/** At least one child must match. */
export interface OrNode {
  type: 'or';
  children: QueryAst[];
}

/** The child must not match. */
export interface NotNode {
  type: 'not';
  child: QueryAst;
}

/** Any node of a query tree. */
export type QueryAst = TermNode | PhraseNode | EntityNode | AndNode | OrNode | NotNode;

/** Prints the canonical text of a tree: uppercase operators, explicit AND, the fewest parentheses. */
export function printQuery(ast: QueryAst): string {
  switch (ast.type) {
    case 'term':
      return ast.prefix ? `${ast.word}*` : ast.word;
    case 'phrase':
      return `"${ast.words.join(' ')}"`;
    case 'entity':
      return `entity:${ast.key}`;
    case 'not':
      // NOT binds tighter than AND and OR, so only a compound child needs parentheses.
      return `NOT ${wrapUnless(ast.child, ['term', 'phrase', 'entity', 'not'])}`;
    case 'and':
      // OR binds looser than AND; a nested AND only occurs in hand-built trees and keeps its group.
      return ast.children.map((c) => wrapUnless(c, ['term', 'phrase', 'entity', 'not'])).join(' AND ');
    case 'or':
      return ast.children.map((c) => wrapUnless(c, ['term', 'phrase', 'entity', 'not', 'and'])).join(' OR ');
  }
}

function wrapUnless(ast: QueryAst, bare: ReadonlyArray<QueryAst['type']>): string {
  const text = printQuery(ast);
  return bare.includes(ast.type) ? text : `(${text})`;
}
