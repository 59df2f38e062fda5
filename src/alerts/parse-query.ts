/**
 * The alert query parser: a hand-written lexer and a recursive-descent parser.
 *
 *   query   = or-expr EOF
 *   or-expr = and-expr { "OR" and-expr }
 *   and-expr= unary { [ "AND" ] unary }          juxtaposition means AND
 *   unary   = ( "NOT" | "-" ) unary | near           "-" must touch what it negates: -word
 *   near    = primary [ NEAR/n atom ]            both sides words, phrases, prefixes or entities
 *   primary = "(" or-expr ")" | FIELD primary | atom
 *   atom    = PHRASE | ENTITY | WORD | PREFIX
 *   FIELD   = "title:" | "source:"                touching what it scopes; fields do not nest
 *   NEAR/n  = "NEAR/" digits, n from 1 to MAX_NEAR_DISTANCE
 *   PHRASE  = '"' { any character but a quote } '"'   (straight or curly quotes)
 *   ENTITY  = "entity:" key,  key = [a-z0-9-]+
 *   PREFIX  = WORD "*"  (at least 3 folded characters before the "*")
 *   WORD    = a run of characters up to whitespace, a parenthesis or a quote
 *
 * Operators are the uppercase keywords only: "and", "or", "not" in lowercase are words, as in
 * Meltwater and Google. Words go through the tagging tokenizer and fold (case, diacritics,
 * apostrophes, possessive 's), so a query word means exactly what the same word means in an
 * item; a bare word that folds to several words ("US-Iran") becomes a phrase.
 */
import { AppError, ErrorCodes } from '../errors.ts';
import { tokenize } from '../tagging/text-normalize.ts';
import type { FieldName, NearOperand, QueryAst } from './query-ast.ts';

/** Longest accepted query text, in UTF-16 code units. */
export const MAX_QUERY_LENGTH = 1_000;
/** Deepest accepted nesting of parentheses and NOTs: bounds recursion here and in the evaluator. */
export const MAX_QUERY_DEPTH = 32;
/** Fewest folded characters before a trailing `*`: shorter prefixes match too much to be useful. */
export const MIN_PREFIX_LENGTH = 3;
/** Largest n in `A NEAR/n B`: past a paragraph, proximity means little and AND says it better. */
export const MAX_NEAR_DISTANCE = 100;

const TERM_EXPECTED = "a term, a quoted phrase, entity:KEY or '('";
const QUOTES = new Set(['"', '\u201c', '\u201d', '\u201e']);
const ENTITY_PREFIX = 'entity:';
const FIELDS: ReadonlyArray<FieldName> = ['title', 'source'];
const NEAR_EXPECTED = `NEAR/n with n a whole number from 1 to ${MAX_NEAR_DISTANCE}`;
const OPERAND_EXPECTED = 'a word, a quoted phrase, a prefix or entity:KEY';

type LexKind = 'and' | 'or' | 'not' | 'minus' | 'lparen' | 'rparen' | 'near' | 'field' | 'atom' | 'end';

interface Lexeme {
  kind: LexKind;
  pos: number;
  /** Set for atoms: a term, phrase or entity node. */
  atom?: QueryAst;
  /** Set for NEAR/n: n. */
  distance?: number;
  /** Set for a field scope: its name; `end` is where what it scopes must start. */
  field?: FieldName;
  end?: number;
}

// Where parseQuery read each node: a side table, so trees stay plain data that compare equal.
const positions = new WeakMap<QueryAst, number>();

/** The 0-based offset in the query text where parseQuery read `node`; undefined for hand-built nodes. */
export function positionOf(node: QueryAst): number | undefined {
  return positions.get(node);
}

function syntaxError(position: number, expected: string, after = ''): AppError {
  return new AppError(ErrorCodes.querySyntax, `Syntax error at position ${position}: expected ${expected}${after}`, {
    details: { position, expected },
  });
}

function isSpace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\u00a0';
}

function endsWord(ch: string): boolean {
  return isSpace(ch) || ch === '(' || ch === ')' || QUOTES.has(ch);
}

function isKeyChar(ch: string): boolean {
  return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch === '-';
}

/** A node made of folded words: one word is a term, several a phrase. */
function wordsNode(words: string[]): QueryAst {
  return words.length === 1 ? { type: 'term', word: words[0]! } : { type: 'phrase', words };
}

/** Reads lexemes one at a time, so errors come out in reading order. */
class Lexer {
  private i = 0;
  private peeked: Lexeme | null = null;

  constructor(private readonly text: string) {}

  peek(): Lexeme {
    this.peeked ??= this.read();
    return this.peeked;
  }

  next(): Lexeme {
    const lexeme = this.peek();
    this.peeked = null;
    return lexeme;
  }

  private read(): Lexeme {
    const text = this.text;
    while (this.i < text.length && isSpace(text[this.i]!)) this.i++;
    const pos = this.i;
    if (pos >= text.length) return { kind: 'end', pos };
    const ch = text[pos]!;
    if (ch === '(' || ch === ')') {
      this.i++;
      return { kind: ch === '(' ? 'lparen' : 'rparen', pos };
    }
    if (QUOTES.has(ch)) return this.readPhrase(pos);
    if (ch === '-' && pos + 1 < text.length && !isSpace(text[pos + 1]!) && text[pos + 1] !== ')') {
      this.i++;
      return { kind: 'minus', pos };
    }
    let end = pos;
    while (end < text.length && !endsWord(text[end]!)) end++;
    this.i = end;
    const raw = text.slice(pos, end);
    if (raw === 'AND') return { kind: 'and', pos };
    if (raw === 'OR') return { kind: 'or', pos };
    if (raw === 'NOT') return { kind: 'not', pos };
    if (raw === 'NEAR' || raw.startsWith('NEAR/')) return this.readNear(raw, pos);
    const lower = raw.toLowerCase();
    for (const field of FIELDS) {
      if (!lower.startsWith(`${field}:`)) continue;
      // What the field scopes is read as the next lexeme, right after the colon.
      this.i = pos + field.length + 1;
      return { kind: 'field', pos, field, end: this.i };
    }
    if (raw.length >= ENTITY_PREFIX.length && raw.slice(0, ENTITY_PREFIX.length).toLowerCase() === ENTITY_PREFIX) {
      return this.readEntity(raw, pos);
    }
    return { kind: 'atom', pos, atom: this.readWord(raw, pos) };
  }

  private readPhrase(pos: number): Lexeme {
    const text = this.text;
    let end = pos + 1;
    while (end < text.length && !QUOTES.has(text[end]!)) end++;
    if (end >= text.length) throw syntaxError(text.length, `a closing quote for the phrase opened at position ${pos}`);
    const inner = text.slice(pos + 1, end);
    const star = inner.indexOf('*');
    // tokenize would drop the '*' silently; a prefix inside a phrase is not supported, so say so.
    if (star >= 0) throw syntaxError(pos + 1 + star, "a closing quote ('*' prefixes are not allowed inside a phrase)");
    const words = tokenize(inner).map((t) => t.folded);
    if (words.length === 0) throw syntaxError(pos, 'at least one word inside the quotes');
    this.i = end + 1;
    return { kind: 'atom', pos, atom: wordsNode(words) };
  }

  private readNear(raw: string, pos: number): Lexeme {
    const digits = raw.slice('NEAR/'.length);
    if (!/^\d{1,3}$/.test(digits)) throw syntaxError(pos, NEAR_EXPECTED);
    const distance = Number(digits);
    if (distance < 1 || distance > MAX_NEAR_DISTANCE) throw syntaxError(pos + 'NEAR/'.length, NEAR_EXPECTED);
    return { kind: 'near', pos, distance };
  }

  private readEntity(raw: string, pos: number): Lexeme {
    const key = raw.slice(ENTITY_PREFIX.length);
    const keyPos = pos + ENTITY_PREFIX.length;
    if (key.length === 0) throw syntaxError(keyPos, "an entity key after 'entity:' (lowercase letters, digits and '-')");
    for (let k = 0; k < key.length; k++) {
      if (!isKeyChar(key[k]!)) throw syntaxError(keyPos + k, "an entity key of lowercase letters, digits and '-'");
    }
    return { kind: 'atom', pos, atom: { type: 'entity', key } };
  }

  private readWord(raw: string, pos: number): QueryAst {
    const star = raw.indexOf('*');
    if (star >= 0 && star < raw.length - 1) throw syntaxError(pos + star, "'*' only at the end of a word");
    const stem = star >= 0 ? raw.slice(0, -1) : raw;
    const words = tokenize(stem).map((t) => t.folded);
    if (star < 0) {
      if (raw === '-') throw syntaxError(pos, "a term right after '-' (NOT shorthand: no space between)");
      if (words.length === 0) throw syntaxError(pos, 'a word with letters or digits');
      return wordsNode(words);
    }
    if (words.length === 0) throw syntaxError(pos, "a word before '*'");
    if (words.length > 1) throw syntaxError(pos, "a single word before '*'");
    if (words[0]!.length < MIN_PREFIX_LENGTH) {
      throw syntaxError(pos, `at least ${MIN_PREFIX_LENGTH} letters or digits before '*'`);
    }
    return { type: 'term', word: words[0]!, prefix: true };
  }
}

const LEXEME_NAMES: Record<Exclude<LexKind, 'atom'>, string> = {
  and: 'AND', or: 'OR', not: 'NOT', minus: "'-'", lparen: "'('", rparen: "')'", near: 'NEAR', field: 'a field', end: 'the end of the query',
};

function isOperand(ast: QueryAst): ast is NearOperand {
  return ast.type === 'term' || ast.type === 'phrase' || ast.type === 'entity';
}

/** Recursive descent over the lexer; `depth` counts open parentheses, NOTs and fields. */
class Parser {
  private depth = 0;
  /** The field being read, if any: fields do not nest. */
  private field: { name: FieldName; pos: number } | null = null;

  constructor(private readonly lexer: Lexer) {}

  parseQuery(): QueryAst {
    if (this.lexer.peek().kind === 'end') throw syntaxError(0, TERM_EXPECTED, ' (the query is empty)');
    const ast = this.parseOr();
    const rest = this.lexer.peek();
    // parseOr stops only at the end or at a ')' it did not open.
    if (rest.kind !== 'end') throw syntaxError(rest.pos, 'an operator, a term or the end of the query', ", found ')' without a matching '('");
    return ast;
  }

  private parseOr(): QueryAst {
    const start = this.lexer.peek().pos;
    const children: QueryAst[] = [];
    pushFlat(children, this.parseAnd(), 'or');
    while (this.lexer.peek().kind === 'or') {
      this.lexer.next();
      pushFlat(children, this.parseAnd('OR'), 'or');
    }
    return children.length === 1 ? children[0]! : at({ type: 'or', children }, start);
  }

  private parseAnd(after?: string): QueryAst {
    const start = this.lexer.peek().pos;
    const children: QueryAst[] = [];
    pushFlat(children, this.parseUnary(after), 'and');
    for (;;) {
      const kind = this.lexer.peek().kind;
      if (kind === 'and') {
        this.lexer.next();
        pushFlat(children, this.parseUnary('AND'), 'and');
      } else if (kind === 'not' || kind === 'minus' || kind === 'lparen' || kind === 'atom' || kind === 'field') {
        pushFlat(children, this.parseUnary(), 'and'); // juxtaposition
      } else break;
    }
    return children.length === 1 ? children[0]! : at({ type: 'and', children }, start);
  }

  private parseUnary(after?: string): QueryAst {
    const lexeme = this.lexer.next();
    if (lexeme.kind === 'not' || lexeme.kind === 'minus') {
      this.enter(lexeme.pos);
      const child = this.parseUnary(LEXEME_NAMES[lexeme.kind]);
      this.depth--;
      return at({ type: 'not', child }, lexeme.pos);
    }
    return this.parseNear(lexeme, after);
  }

  private parseNear(lexeme: Lexeme, after?: string): QueryAst {
    const left = this.parsePrimary(lexeme, after);
    const near = this.lexer.peek();
    if (near.kind !== 'near') return left;
    if (!isOperand(left) || lexeme.kind !== 'atom') {
      const hint = left.type === 'field' ? ` (scope the whole NEAR: ${left.field}:(A NEAR/n B))` : '';
      throw syntaxError(lexeme.pos, `${OPERAND_EXPECTED} before NEAR${hint}`);
    }
    this.lexer.next();
    const rightLexeme = this.lexer.next();
    if (rightLexeme.kind !== 'atom') {
      throw syntaxError(rightLexeme.pos, `${OPERAND_EXPECTED} after NEAR/${near.distance}, found ${LEXEME_NAMES[rightLexeme.kind]}`);
    }
    const again = this.lexer.peek();
    if (again.kind === 'near') throw syntaxError(again.pos, 'AND between two NEARs (a NEAR joins exactly two terms)');
    return at({ type: 'near', distance: near.distance!, left, right: at(rightLexeme.atom! as NearOperand, rightLexeme.pos) }, lexeme.pos);
  }

  private parsePrimary(lexeme: Lexeme, after?: string): QueryAst {
    switch (lexeme.kind) {
      case 'lparen': {
        this.enter(lexeme.pos);
        const inner = this.parseOr();
        const close = this.lexer.next();
        if (close.kind !== 'rparen') {
          throw syntaxError(close.pos, `')' to close the '(' at position ${lexeme.pos}`);
        }
        this.depth--;
        return inner;
      }
      case 'field':
        return this.parseField(lexeme);
      case 'atom':
        return at(lexeme.atom!, lexeme.pos);
      case 'near':
        throw syntaxError(lexeme.pos, `${OPERAND_EXPECTED} before NEAR`);
      default: {
        const context = after ? ` after ${after}` : '';
        throw syntaxError(lexeme.pos, TERM_EXPECTED, `${context}, found ${LEXEME_NAMES[lexeme.kind]}`);
      }
    }
  }

  private parseField(lexeme: Lexeme): QueryAst {
    const name = lexeme.field!;
    if (this.field) throw syntaxError(lexeme.pos, `no field inside ${this.field.name}: (opened at position ${this.field.pos}); fields do not nest`);
    const next = this.lexer.peek();
    if (next.pos !== lexeme.end || (next.kind !== 'atom' && next.kind !== 'lparen')) {
      throw syntaxError(lexeme.end!, `${TERM_EXPECTED} right after '${name}:' (no space between)`);
    }
    this.enter(lexeme.pos);
    this.field = { name, pos: lexeme.pos };
    const child = this.parsePrimary(this.lexer.next(), `${name}:`);
    this.field = null;
    this.depth--;
    return at({ type: 'field', field: name, child }, lexeme.pos);
  }

  private enter(pos: number): void {
    if (++this.depth > MAX_QUERY_DEPTH) throw syntaxError(pos, `at most ${MAX_QUERY_DEPTH} levels of nesting`);
  }
}

function at<T extends QueryAst>(node: T, pos: number): T {
  positions.set(node, pos);
  return node;
}

/** Adds a child, merging a same-operator child into the list so trees stay canonical. */
function pushFlat(children: QueryAst[], child: QueryAst, type: 'and' | 'or'): void {
  if (child.type === type) children.push(...child.children);
  else children.push(child);
}

/** Parses an alert query into its canonical tree; throws AppError(querySyntax) with `details.position` and `details.expected`. */
export function parseQuery(text: string): QueryAst {
  if (text.length > MAX_QUERY_LENGTH) throw syntaxError(MAX_QUERY_LENGTH, `at most ${MAX_QUERY_LENGTH} characters`);
  return new Parser(new Lexer(text)).parseQuery();
}
