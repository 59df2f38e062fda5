import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../errors.ts';
import { loadAnchorSources, parseAnchorFile } from './anchor-file.ts';

describe('parseAnchorFile', () => {
  it('reads front matter and body', () => {
    const a = parseAnchorFile('x', '---\ntitle: T\nurl: null\npublishedAt: 2025-01-02T03:04:05Z\nexclude: [us]\naliases: { oman: [the sultanate] }\n---\nBody text.\n');
    expect(a).toMatchObject({ id: 'x', title: 'T', url: null, publishedAt: '2025-01-02T03:04:05.000Z', text: 'Body text.' });
    expect(a.overrides).toEqual({ entities: [], aliases: { oman: ['the sultanate'] }, exclude: ['us'] });
  });
  it('rejects a bad file with field errors', () => {
    try {
      parseAnchorFile('x', '---\ntitle: ""\nurl: ftp://x\nentities: [{ name: A, kind: thing }]\n---\n\n');
      expect.unreachable();
    } catch (err) {
      expect(isAppError(err, 'validation_failed')).toBe(true);
      const fields = (err as { fieldErrors: Array<{ field: string }> }).fieldErrors.map((f) => f.field);
      expect(fields).toEqual(expect.arrayContaining(['title', 'url', 'entities[0].kind', 'text']));
    }
  });
  it('rejects a file without front matter', () => {
    expect(() => parseAnchorFile('x', 'just text')).toThrow(/front matter/);
  });
});

describe('loadAnchorSources', () => {
  it('loads every .md sorted by id', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'anchors-'));
    await writeFile(path.join(dir, 'b.md'), '---\ntitle: B\n---\nbody b');
    await writeFile(path.join(dir, 'a.md'), '---\ntitle: A\n---\nbody a');
    await writeFile(path.join(dir, 'notes.txt'), 'ignored');
    expect((await loadAnchorSources(dir)).map((a) => a.id)).toEqual(['a', 'b']);
  });
  it('loads the default anchor with the seed text verbatim', async () => {
    const [muscat] = await loadAnchorSources('config/anchors');
    expect(muscat!.id).toBe('muscat-talks');
    expect(muscat!.url).toBeNull();
    expect(muscat!.text).toContain('for Irana maximalist demand');
  });
});
