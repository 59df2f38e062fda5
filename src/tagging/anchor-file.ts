/**
 * Reading source pieces from Markdown files with YAML front matter: `title`, `url`,
 * `publishedAt` and optional entity overrides (`entities`, `aliases`, `exclude`).
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { AppError, ErrorCodes, type FieldError } from '../errors.ts';
import type { AnchorSource, EntityKind, EntityOverrides } from '../model/anchor.ts';

const KINDS: readonly EntityKind[] = ['person', 'place', 'organization', 'topic'];
const FRONT_MATTER = /^\uFEFF?---[ \t]*\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/;

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

function parseOverrides(meta: Record<string, unknown>, errors: FieldError[]): EntityOverrides {
  const overrides: EntityOverrides = { entities: [], aliases: {}, exclude: [] };
  if (meta.entities !== undefined && meta.entities !== null) {
    if (!Array.isArray(meta.entities)) errors.push({ field: 'entities', message: 'must be a list' });
    else {
      meta.entities.forEach((raw: unknown, i: number) => {
        const e = raw as Record<string, unknown>;
        const field = `entities[${i}]`;
        if (typeof e !== 'object' || e === null) return errors.push({ field, message: 'must be an object' });
        if (typeof e.name !== 'string' || e.name.trim() === '') errors.push({ field: `${field}.name`, message: 'must be a non-empty string' });
        if (!KINDS.includes(e.kind as EntityKind)) errors.push({ field: `${field}.kind`, message: `must be one of ${KINDS.join(', ')}` });
        if (e.aliases !== undefined && !isStringArray(e.aliases)) errors.push({ field: `${field}.aliases`, message: 'must be a list of strings' });
        if (e.key !== undefined && (typeof e.key !== 'string' || !/^[a-z0-9-]+$/.test(e.key))) {
          errors.push({ field: `${field}.key`, message: 'must be a slug of a-z, 0-9 and -' });
        }
        if (e.weight !== undefined && (typeof e.weight !== 'number' || e.weight < 0 || e.weight > 1)) {
          errors.push({ field: `${field}.weight`, message: 'must be a number from 0 to 1' });
        }
        if (e.role !== undefined && e.role !== 'core' && e.role !== 'context') {
          errors.push({ field: `${field}.role`, message: 'must be core or context' });
        }
        if (typeof e.name === 'string' && KINDS.includes(e.kind as EntityKind)) {
          overrides.entities.push({
            name: e.name.trim(),
            kind: e.kind as EntityKind,
            ...(isStringArray(e.aliases) ? { aliases: e.aliases } : {}),
            ...(typeof e.key === 'string' ? { key: e.key } : {}),
            ...(typeof e.weight === 'number' ? { weight: e.weight } : {}),
            ...(e.role === 'core' || e.role === 'context' ? { role: e.role } : {}),
          });
        }
      });
    }
  }
  if (meta.aliases !== undefined && meta.aliases !== null) {
    if (typeof meta.aliases !== 'object' || Array.isArray(meta.aliases)) errors.push({ field: 'aliases', message: 'must map entity keys to lists of aliases' });
    else {
      for (const [key, list] of Object.entries(meta.aliases as Record<string, unknown>)) {
        if (!isStringArray(list)) errors.push({ field: `aliases.${key}`, message: 'must be a list of strings' });
        else overrides.aliases[key] = list;
      }
    }
  }
  if (meta.exclude !== undefined && meta.exclude !== null) {
    if (!isStringArray(meta.exclude)) errors.push({ field: 'exclude', message: 'must be a list of entity keys or names' });
    else overrides.exclude = meta.exclude;
  }
  return overrides;
}

/** Parses one anchor file (YAML front matter + Markdown body); throws AppError(validation) listing every problem. */
export function parseAnchorFile(id: string, markdown: string): AnchorSource {
  const m = FRONT_MATTER.exec(markdown);
  if (!m) {
    throw new AppError(ErrorCodes.validation, `Anchor ${id}: missing YAML front matter`, {
      fieldErrors: [{ field: 'frontMatter', message: 'the file must start with --- YAML front matter ---' }],
      details: { id },
    });
  }
  let meta: unknown;
  try {
    meta = parseYaml(m[1]!);
  } catch (cause) {
    throw new AppError(ErrorCodes.validation, `Anchor ${id}: front matter is not valid YAML`, {
      cause,
      fieldErrors: [{ field: 'frontMatter', message: 'not valid YAML' }],
      details: { id },
    });
  }
  const errors: FieldError[] = [];
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) {
    errors.push({ field: 'frontMatter', message: 'must be a mapping' });
    meta = {};
  }
  const fm = meta as Record<string, unknown>;
  if (typeof fm.title !== 'string' || fm.title.trim() === '') errors.push({ field: 'title', message: 'must be a non-empty string' });
  if (fm.url !== undefined && fm.url !== null && (typeof fm.url !== 'string' || !/^https?:\/\/\S+$/.test(fm.url))) {
    errors.push({ field: 'url', message: 'must be null or an http(s) URL' });
  }
  // YAML turns an unquoted timestamp into a Date; accept both forms.
  let publishedAt: string | null = null;
  if (fm.publishedAt instanceof Date) publishedAt = Number.isNaN(fm.publishedAt.getTime()) ? null : fm.publishedAt.toISOString();
  else if (typeof fm.publishedAt === 'string' && !Number.isNaN(Date.parse(fm.publishedAt))) publishedAt = new Date(fm.publishedAt).toISOString();
  if (fm.publishedAt !== undefined && fm.publishedAt !== null && publishedAt === null) {
    errors.push({ field: 'publishedAt', message: 'must be null or an ISO 8601 date' });
  }
  const overrides = parseOverrides(fm, errors);
  const text = markdown.slice(m[0].length).replace(/^\s*\n/, '').replace(/\s+$/, '');
  if (text.trim() === '') errors.push({ field: 'text', message: 'the body (the source piece) must not be empty' });
  if (errors.length > 0) {
    throw new AppError(ErrorCodes.validation, `Anchor ${id}: invalid file (${errors.map((e) => e.field).join(', ')})`, {
      fieldErrors: errors,
      details: { id },
    });
  }
  return {
    id,
    title: (fm.title as string).trim(),
    url: typeof fm.url === 'string' ? fm.url : null,
    publishedAt,
    text,
    overrides,
  };
}

/** Loads every *.md anchor file of a directory (base name = id), sorted by id. */
export async function loadAnchorSources(dir: string): Promise<AnchorSource[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.md')).sort();
  const out: AnchorSource[] = [];
  for (const name of names) {
    const markdown = await readFile(path.join(dir, name), 'utf8');
    out.push(parseAnchorFile(name.slice(0, -3), markdown));
  }
  return out;
}
