/** Reading labelled item files (../shared/eval/LABELS.md format) and anchor files for eval and calibrate. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { AnchorSource } from '../src/model/anchor.ts';
import { parseAnchorFile } from '../src/tagging/anchor-file.ts';
import type { LabelledItem } from '../src/tagging/evaluate.ts';

/** Parses a .jsonl file of labelled items; throws with the file and line of the first bad one. */
export function parseLabelledItems(text: string, file: string): LabelledItem[] {
  const items: LabelledItem[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let v: Record<string, unknown>;
    try {
      v = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new Error(`${file}:${i + 1}: not valid JSON`);
    }
    if (typeof v.id !== 'string' || typeof v.title !== 'string' || typeof v.summary !== 'string' ||
      !Array.isArray(v.entities) || typeof v.relevant !== 'boolean') {
      throw new Error(`${file}:${i + 1}: needs id, title, summary, entities[] and relevant (see LABELS.md)`);
    }
    items.push(v as unknown as LabelledItem);
  });
  if (items.length === 0) throw new Error(`${file}: no items`);
  return items;
}

/** Reads and parses one labelled file. */
export async function readLabelledItems(file: string): Promise<LabelledItem[]> {
  const text = await readFile(file, 'utf8').catch(() => {
    throw new Error(`cannot read ${file}`);
  });
  return parseLabelledItems(text, file);
}

/** Reads one anchor file (its base name is the id). */
export async function readAnchorFile(file: string): Promise<AnchorSource> {
  const text = await readFile(file, 'utf8').catch(() => {
    throw new Error(`cannot read ${file}`);
  });
  return parseAnchorFile(path.basename(file).replace(/\.md$/, ''), text);
}
