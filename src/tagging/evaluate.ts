/**
 * Pure scoring of tagging and digest relevance against labelled items (format of
 * ../shared/eval/LABELS.md). Our tags are mapped to the ten labelled keys by entity NAME, as
 * the labels define, never by trusting our own keys.
 */
import { foldPhrase } from './text-normalize.ts';

/** One labelled item (a line of the .jsonl file). */
export interface LabelledItem {
  id: string;
  title: string;
  summary: string;
  entities: string[];
  relevant: boolean;
  source?: string;
  hoursAgo?: number;
}

/** What the tagger said about one item. */
export interface TagResult {
  entities: Array<{ name: string }>;
  score: number;
  relevant: boolean;
}

/** The ten labelled keys and the name that identifies each in a tag's entity name. */
export const LABELLED_KEYS: ReadonlyArray<{ key: string; names: string[] }> = [
  { key: 'witkoff', names: ['Witkoff'] },
  { key: 'araghchi', names: ['Araghchi', 'Araqchi'] },
  { key: 'trump', names: ['Trump'] },
  { key: 'merz', names: ['Merz'] },
  { key: 'erdogan', names: ['Erdogan'] },
  { key: 'muscat', names: ['Muscat'] },
  { key: 'oman', names: ['Oman'] },
  { key: 'iran', names: ['Iran'] },
  { key: 'isw', names: ['Institute for the Study of War', 'ISW'] },
  { key: 'carrier-group', names: ['carrier group'] },
];

/** Precision and recall with their counts. */
export interface PR {
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
}

/** The full evaluation report. */
export interface EvalReport {
  perKey: Array<{ key: string } & PR>;
  micro: PR;
  digest: PR;
  errors: Array<{ item: string; title: string; kind: 'tag' | 'digest'; what: string; error: 'missed' | 'extra'; score?: number }>;
}

/** The labelled key a tag's entity name maps to (the key's name as whole words in the tag's name), or null. */
export function labelledKeyOf(name: string): string | null {
  const folded = ` ${foldPhrase(name)} `;
  for (const k of LABELLED_KEYS) {
    if (k.names.some((n) => folded.includes(` ${foldPhrase(n)} `))) return k.key;
  }
  return null;
}

function pr(tp: number, fp: number, fn: number): PR {
  // An empty class is perfect rather than undefined: nothing was there to get wrong.
  return { tp, fp, fn, precision: tp + fp === 0 ? 1 : tp / (tp + fp), recall: tp + fn === 0 ? 1 : tp / (tp + fn) };
}

/** Scores tag results (same order as items) against the labels. */
export function evaluate(items: LabelledItem[], results: TagResult[]): EvalReport {
  const counts = new Map(LABELLED_KEYS.map((k) => [k.key, { tp: 0, fp: 0, fn: 0 }]));
  const errors: EvalReport['errors'] = [];
  let dtp = 0;
  let dfp = 0;
  let dfn = 0;
  items.forEach((item, i) => {
    const result = results[i]!;
    const got = new Set<string>();
    for (const e of result.entities) {
      const key = labelledKeyOf(e.name);
      if (key) got.add(key);
    }
    const want = new Set(item.entities);
    for (const key of got) {
      const c = counts.get(key)!;
      if (want.has(key)) c.tp++;
      else {
        c.fp++;
        errors.push({ item: item.id, title: item.title, kind: 'tag', what: key, error: 'extra' });
      }
    }
    for (const key of want) {
      if (got.has(key)) continue;
      const c = counts.get(key);
      if (c) c.fn++;
      errors.push({ item: item.id, title: item.title, kind: 'tag', what: key, error: 'missed' });
    }
    if (result.relevant && item.relevant) dtp++;
    else if (result.relevant) {
      dfp++;
      errors.push({ item: item.id, title: item.title, kind: 'digest', what: 'relevant', error: 'extra', score: result.score });
    } else if (item.relevant) {
      dfn++;
      errors.push({ item: item.id, title: item.title, kind: 'digest', what: 'relevant', error: 'missed', score: result.score });
    }
  });
  const perKey = LABELLED_KEYS.map((k) => {
    const c = counts.get(k.key)!;
    return { key: k.key, ...pr(c.tp, c.fp, c.fn) };
  });
  const sum = (f: 'tp' | 'fp' | 'fn') => perKey.reduce((s, k) => s + k[f], 0);
  return { perKey, micro: pr(sum('tp'), sum('fp'), sum('fn')), digest: pr(dtp, dfp, dfn), errors };
}

/**
 * The threshold that maximises digest F1 on scored items, placed with a margin: the midpoint
 * between the lowest score kept and the highest score below it at the F1-optimal cut.
 */
export function calibrateThreshold(scored: Array<{ score: number; relevant: boolean }>): { threshold: number; f1: number } {
  const sorted = [...scored].sort((a, b) => b.score - a.score);
  const positives = sorted.filter((s) => s.relevant).length;
  let tp = 0;
  let best = { f1: -1, index: 0 };
  for (let i = 0; i < sorted.length; i++) {
    if (sorted[i]!.relevant) tp++;
    // Only cut between distinct scores.
    if (i + 1 < sorted.length && sorted[i + 1]!.score === sorted[i]!.score) continue;
    const precision = tp / (i + 1);
    const recall = positives === 0 ? 1 : tp / positives;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    if (f1 > best.f1) best = { f1, index: i };
  }
  const kept = sorted[best.index]!.score;
  const below = sorted[best.index + 1]?.score ?? 0;
  return { threshold: (kept + below) / 2, f1: best.f1 };
}
