/**
 * Matching new items against many alerts without testing every alert on every item. Each
 * alert is indexed under a set of "required atoms" (folded words, 3-character word prefixes,
 * entity keys) such that an item can only match the alert if it holds at least one of them;
 * an item then only tests the alerts found under its own words, prefixes and entities.
 * Alerts with no such necessary set (a pure NOT) are tested on every item. A NEAR requires
 * what an AND of its operands requires; `title:` what its child requires (title words are item
 * words); `source:` its child's words and prefixes in the feed title's own namespace.
 */
import { FIELD_SOURCE, type CompiledQuery, type PreparedDocument } from './evaluate-query.ts';
import type { QueryAst } from './query-ast.ts';

/** Length of the word prefix under which `prefix*` terms are indexed (the parser's minimum prefix). */
export const INDEXED_PREFIX_LENGTH = 3;
/** Marks a word or prefix of the feed's title, so `source:iran` is not filed with the word iran. */
export const SOURCE_MARK = '\u0001';

/** A necessary condition: the item holds at least one of these words, prefixes or entities. */
export interface RequiredAtoms {
  words: string[];
  prefixes: string[];
  entities: string[];
}

interface Entry {
  id: string;
  compiled: CompiledQuery;
  atoms: RequiredAtoms | null;
  /** The match() call that last collected this alert, to collect each alert once without a Set. */
  stamp: number;
}

// Relative cost of one atom in the candidate lists it opens, without corpus statistics:
// short and function words are common, a 3-letter prefix covers many words, entities
// of an anchor are on-topic and so frequent in its feeds.
const STOPWORDS = new Set(
  'a an and are as at be by for from has have he in is it its of on or said that the their this to was were will with'.split(' '),
);
function wordCost(word: string): number {
  if (STOPWORDS.has(word)) return 50;
  return word.length <= 2 ? 20 : word.length <= 4 ? 6 : 3;
}
const PREFIX_COST = 12;
const ENTITY_COST = 10;

function costOf(atoms: RequiredAtoms): number {
  let cost = atoms.prefixes.length * PREFIX_COST + atoms.entities.length * ENTITY_COST;
  for (const w of atoms.words) cost += wordCost(w);
  return cost;
}

/**
 * The atoms an item must hold one of for `ast` to match it, or null when there is no such set.
 * AND: any child's set is necessary, so the cheapest is taken; OR: the union of all children's
 * sets (null if any child has none); NOT: null, since an absent word can match anything.
 */
export function requiredAtoms(ast: QueryAst, inSource = false): RequiredAtoms | null {
  const mark = inSource ? SOURCE_MARK : '';
  switch (ast.type) {
    case 'term':
      if (!ast.prefix) return { words: [mark + ast.word], prefixes: [], entities: [] };
      // A shorter prefix cannot be filed under a 3-character key: test it on every item.
      return ast.word.length >= INDEXED_PREFIX_LENGTH
        ? { words: [], prefixes: [mark + ast.word.slice(0, INDEXED_PREFIX_LENGTH)], entities: [] }
        : null;
    case 'phrase': {
      if (ast.words.length === 0) return null;
      // Every word of the phrase is necessary; the rarest-looking one is enough.
      let best = ast.words[0]!;
      for (const w of ast.words) if (wordCost(w) < wordCost(best)) best = w;
      return { words: [mark + best], prefixes: [], entities: [] };
    }
    case 'entity':
      // An entity in the feed's title is not among the item's tagged entities: test it on every item.
      return inSource ? null : { words: [], prefixes: [], entities: [ast.key] };
    case 'near':
      return requiredAtoms({ type: 'and', children: [ast.left, ast.right] }, inSource);
    case 'field':
      return requiredAtoms(ast.child, ast.field === 'source');
    case 'not':
      return null;
    case 'and': {
      let best: RequiredAtoms | null = null;
      let bestCost = Infinity;
      for (const child of ast.children) {
        const atoms = requiredAtoms(child, inSource);
        if (atoms === null) continue;
        const cost = costOf(atoms);
        if (cost < bestCost) {
          best = atoms;
          bestCost = cost;
        }
      }
      return best;
    }
    case 'or': {
      const union: RequiredAtoms = { words: [], prefixes: [], entities: [] };
      for (const child of ast.children) {
        const atoms = requiredAtoms(child, inSource);
        if (atoms === null) return null;
        union.words.push(...atoms.words);
        union.prefixes.push(...atoms.prefixes);
        union.entities.push(...atoms.entities);
      }
      return union;
    }
  }
}

function addTo(map: Map<string, Set<Entry>>, atom: string, entry: Entry): void {
  let set = map.get(atom);
  if (!set) map.set(atom, (set = new Set()));
  set.add(entry);
}

function removeFrom(map: Map<string, Set<Entry>>, atom: string, entry: Entry): void {
  const set = map.get(atom);
  if (!set) return;
  set.delete(entry);
  if (set.size === 0) map.delete(atom);
}

/** The alerts of one anchor, indexed by the atoms they require; match() gives the same answer as testing every alert. */
export class AlertIndex {
  private readonly entries = new Map<string, Entry>();
  private readonly byWord = new Map<string, Set<Entry>>();
  private readonly byPrefix = new Map<string, Set<Entry>>();
  private readonly byEntity = new Map<string, Set<Entry>>();
  private readonly alwaysCheck = new Set<Entry>();
  private stamp = 0;

  /** Number of alerts in the index. */
  get size(): number {
    return this.entries.size;
  }

  /** Number of alerts that are tested on every item because they require no atom. */
  get alwaysCheckedCount(): number {
    return this.alwaysCheck.size;
  }

  /** Adds an alert, replacing any alert with the same id. */
  add(alertId: string, compiled: CompiledQuery): void {
    this.remove(alertId);
    const entry: Entry = { id: alertId, compiled, atoms: requiredAtoms(compiled.ast), stamp: -1 };
    this.entries.set(alertId, entry);
    if (entry.atoms === null) {
      this.alwaysCheck.add(entry);
      return;
    }
    for (const w of entry.atoms.words) addTo(this.byWord, w, entry);
    for (const p of entry.atoms.prefixes) addTo(this.byPrefix, p, entry);
    for (const e of entry.atoms.entities) addTo(this.byEntity, e, entry);
  }

  /** Removes an alert; removing an unknown id does nothing. */
  remove(alertId: string): void {
    const entry = this.entries.get(alertId);
    if (!entry) return;
    this.entries.delete(alertId);
    if (entry.atoms === null) {
      this.alwaysCheck.delete(entry);
      return;
    }
    for (const w of entry.atoms.words) removeFrom(this.byWord, w, entry);
    for (const p of entry.atoms.prefixes) removeFrom(this.byPrefix, p, entry);
    for (const e of entry.atoms.entities) removeFrom(this.byEntity, e, entry);
  }

  /** Collects the alerts filed under the 3-character prefixes of sorted words (each prefix looked up once). */
  private collectPrefixes(sorted: ReadonlyArray<string>, mark: string, collect: (set: Set<Entry> | undefined) => void): void {
    let last = '';
    for (const word of sorted) {
      if (word.length < INDEXED_PREFIX_LENGTH) continue;
      const prefix = word.slice(0, INDEXED_PREFIX_LENGTH);
      if (prefix === last) continue;
      last = prefix;
      collect(this.byPrefix.get(mark + prefix));
    }
  }

  /** Ids of the alerts that match the item, in ascending order; only candidate alerts are tested. */
  match(doc: PreparedDocument): string[] {
    const stamp = ++this.stamp;
    const candidates: Entry[] = [];
    const collect = (set: Set<Entry> | undefined) => {
      if (!set) return;
      for (const entry of set) {
        if (entry.stamp === stamp) continue;
        entry.stamp = stamp;
        candidates.push(entry);
      }
    };
    for (const word of doc.words) collect(this.byWord.get(word));
    const source = doc.parts[FIELD_SOURCE].sorted;
    for (const word of source) collect(this.byWord.get(SOURCE_MARK + word));
    if (this.byPrefix.size > 0) {
      this.collectPrefixes(doc.sortedWords, '', collect);
      this.collectPrefixes(source, SOURCE_MARK, collect);
    }
    for (const key of doc.entities) collect(this.byEntity.get(key));
    collect(this.alwaysCheck);
    const hits: string[] = [];
    for (const entry of candidates) if (entry.compiled.test(doc)) hits.push(entry.id);
    return hits.sort();
  }
}
