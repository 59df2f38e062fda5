import { describe, expect, it } from 'vitest';
import { generateAliases, organizationAcronym, placeOfDemonym, surnameOf, topicVariants, transliterationVariants } from './entity-aliases.ts';

describe('alias generation', () => {
  it('person: surname', () => {
    expect(surnameOf('Recep Tayyip Erdogan')).toBe('Erdogan');
    expect(generateAliases('Steve Witkoff', 'person')).toContain('Witkoff');
  });
  it('person: transliteration variants, bounded', () => {
    expect(transliterationVariants('Araghchi')).toContain('Araqchi');
    expect(generateAliases('Abbas Araghchi', 'person')).toEqual(expect.arrayContaining(['Araghchi', 'Araqchi', 'Abbas Araqchi']));
    expect(transliterationVariants('Trump')).toEqual([]);
    expect(transliterationVariants('Araghchi').length).toBeLessThanOrEqual(6);
  });
  it('place: demonyms and alternative names', () => {
    expect(generateAliases('Iran', 'place')).toEqual(expect.arrayContaining(['Iranian', 'Iranians', 'Islamic Republic of Iran']));
    expect(generateAliases('Oman', 'place')).toEqual(expect.arrayContaining(['Omani', 'Omanis', 'Sultanate of Oman']));
    expect(placeOfDemonym('Turkish')).toBe('Turkey');
  });
  it('organisation: acronym of three or more capitalised words', () => {
    expect(organizationAcronym('Institute for the Study of War')).toBe('ISW');
    expect(organizationAcronym('White House')).toBeNull();
    expect(generateAliases('Institute for the Study of War', 'organization')).toEqual(['ISW']);
  });
  it('topic: head-noun variants and plurals', () => {
    const v = topicVariants('aircraft carrier group');
    expect(v).toEqual(expect.arrayContaining(['carrier group', 'carrier groups', 'carrier strike group', 'aircraft carrier', 'aircraft carriers']));
  });
  it('topic: spelling variants come from the data file, story-specific pairs are gone', () => {
    expect(topicVariants('nuclear program')).toEqual(expect.arrayContaining(['nuclear programme']));
    expect(topicVariants('defense ministry')).toEqual(expect.arrayContaining(['defence ministry']));
    expect(topicVariants('nuclear dossier')).not.toContain('nuclear file');
    expect(topicVariants('security alert')).not.toContain('travel advisory');
  });
});
