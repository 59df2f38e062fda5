import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AnchorSource } from '../model/anchor.ts';
import { extractEntities, repairGluedWords } from './extract-entities.ts';
import { parseAnchorFile } from './anchor-file.ts';

const source = parseAnchorFile('muscat-talks', readFileSync('config/anchors/muscat-talks.md', 'utf8'));
const entities = extractEntities(source);
const byKey = new Map(entities.map((e) => [e.key, e]));

describe('extractEntities on the source piece', () => {
  it('gives exactly the expected entity list (key, name, kind)', () => {
    expect(entities.map((e) => [e.key, e.name, e.kind])).toEqual([
      ['araghchi', 'Abbas Araghchi', 'person'],
      ['erdogan', 'Recep Tayyip Erdogan', 'person'],
      ['merz', 'Friedrich Merz', 'person'],
      ['witkoff', 'Steve Witkoff', 'person'],
      ['trump', 'Donald Trump', 'person'],
      ['muscat', 'Muscat', 'place'],
      ['tehran', 'Tehran', 'place'],
      ['iran', 'Iran', 'place'],
      ['oman', 'Oman', 'place'],
      ['washington', 'Washington', 'place'],
      ['germany', 'Germany', 'place'],
      ['turkey', 'Turkey', 'place'],
      ['israel', 'Israel', 'place'],
      ['us', 'US', 'place'],
      ['isw', 'Institute for the Study of War', 'organization'],
      ['us-virtual-embassy', 'US Virtual Embassy', 'organization'],
      ['white-house', 'White House', 'organization'],
      ['carrier-group', 'carrier group', 'topic'],
      ['maximalist-demand', 'maximalist demand', 'topic'],
      ['military-escalation', 'military escalation', 'topic'],
      ['military-options', 'military options', 'topic'],
      ['missile-program', 'missile program', 'topic'],
      ['nuclear-capacity', 'nuclear capacity', 'topic'],
      ['nuclear-dossier', 'nuclear dossier', 'topic'],
      ['nuclear-sites', 'nuclear sites', 'topic'],
      ['proxy-groups', 'proxy groups', 'topic'],
      ['uranium-stockpiles', 'uranium stockpiles', 'topic'],
    ]);
  });
  it('never yields compromise’s title-glued names or glued-word glitches', () => {
    const names = entities.flatMap((e) => [e.name, ...e.aliases]);
    for (const bad of ['Minister Abbas', 'President Donald', 'Irana', 'protestersa', 'protesters crisis']) {
      expect(names.some((n) => n.includes(bad))).toBe(false);
    }
  });
  it('weighs specific names above frequent ones', () => {
    expect(byKey.get('muscat')!.weight).toBeGreaterThan(byKey.get('us')!.weight);
    expect(byKey.get('araghchi')!.weight).toBeGreaterThan(byKey.get('us')!.weight);
    expect(byKey.get('araghchi')!.weight).toBeGreaterThan(byKey.get('trump')!.weight);
    for (const e of entities) expect(e.weight).toBeGreaterThan(0), expect(e.weight).toBeLessThanOrEqual(1);
  });
  it('generates the aliases of each kind', () => {
    expect(byKey.get('araghchi')!.aliases).toEqual(expect.arrayContaining(['Araghchi', 'Araqchi']));
    expect(byKey.get('iran')!.aliases).toContain('Iranian');
    expect(byKey.get('oman')!.aliases).toContain('Omani');
    expect(byKey.get('isw')!.aliases).toContain('ISW');
    expect(byKey.get('carrier-group')!.aliases).toEqual(expect.arrayContaining(['carrier strike group', 'aircraft carrier']));
  });
});

describe('repairGluedWords', () => {
  it('splits an article glued by a lost dash', () => {
    expect(repairGluedWords('capacity for Irana maximalist demand').glued).toEqual(['Irana']);
    expect(repairGluedWords('on domestic protestersa crisis during').glued).toEqual(['protestersa']);
    expect(repairGluedWords('Ghana and Panama and Tirana').glued).toEqual([]);
  });
});

describe('overrides', () => {
  it('adds, extends and excludes entities', () => {
    const s: AnchorSource = {
      ...source,
      overrides: {
        entities: [{ name: 'Badr Albusaidi', kind: 'person' }],
        aliases: { oman: ['the sultanate'] },
        exclude: ['maximalist-demand', 'White House'],
      },
    };
    const list = extractEntities(s);
    expect(list.find((e) => e.key === 'albusaidi')).toMatchObject({ name: 'Badr Albusaidi', kind: 'person' });
    expect(list.find((e) => e.key === 'oman')!.aliases).toContain('the sultanate');
    expect(list.some((e) => e.key === 'maximalist-demand' || e.key === 'white-house')).toBe(false);
  });
});
