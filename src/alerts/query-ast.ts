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

/** What a NEAR may join: a word or prefix, a phrase, or an entity. */
export type NearOperand = TermNode | PhraseNode | EntityNode;

/** Both operands occur within `distance` words of each other, in either order, inside one field. */
export interface NearNode {
  type: 'near';
  distance: number;
  left: NearOperand;
  right: NearOperand;
}

/** The fields a query part can be scoped to: the item's title, or its feed's title. */
export type FieldName = 'title' | 'source';

/** The child is evaluated inside one field only; fields never nest. */
export interface FieldNode {
  type: 'field';
  field: FieldName;
  child: QueryAst;
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
export type QueryAst = TermNode | PhraseNode | EntityNode | NearNode | FieldNode | AndNode | OrNode | NotNode;

// Nodes that bind tighter than NOT, AND and OR and so never need parentheses around them.
const BARE: ReadonlyArray<QueryAst['type']> = ['term', 'phrase', 'entity', 'near', 'field', 'not'];

/** Prints the canonical text of a tree: uppercase operators, explicit AND, the fewest parentheses. */
export function printQuery(ast: QueryAst): string {
  switch (ast.type) {
    case 'term':
      return ast.prefix ? `${ast.word}*` : ast.word;
    case 'phrase':
      return `"${ast.words.join(' ')}"`;
    case 'entity':
      return `entity:${ast.key}`;
    case 'near':
      return `${printQuery(ast.left)} NEAR/${ast.distance} ${printQuery(ast.right)}`;
    case 'field':
      // A field scopes one primary: a word, phrase or entity bare, anything else in parentheses.
      return `${ast.field}:${wrapUnless(ast.child, ['term', 'phrase', 'entity'])}`;
    case 'not':
      // NOT binds tighter than AND and OR, so only a compound child needs parentheses.
      return `NOT ${wrapUnless(ast.child, BARE)}`;
    case 'and':
      // OR binds looser than AND; a nested AND only occurs in hand-built trees and keeps its group.
      return ast.children.map((c) => wrapUnless(c, BARE)).join(' AND ');
    case 'or':
      return ast.children.map((c) => wrapUnless(c, [...BARE, 'and'])).join(' OR ');
  }
}

function wrapUnless(ast: QueryAst, bare: ReadonlyArray<QueryAst['type']>): string {
  const text = printQuery(ast);
  return bare.includes(ast.type) ? text : `(${text})`;
}
