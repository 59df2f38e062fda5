/**
 * The language of a source piece (franc-min's trigram model, mapped to ISO 639-1), and what
 * a person should be told about it: extraction reads English only, so a piece in another
 * language yields no extracted entities rather than garbage phrases ("bei den", "der auch").
 */
import { franc } from 'franc-min';
import { iso6393To1 } from 'iso-639-3';

/** The languages entity extraction and the story vocabulary handle. */
export const HANDLED_LANGUAGES: ReadonlySet<string> = new Set(['en']);

/** Below this many characters franc cannot tell languages apart reliably; short pieces are taken as English. */
const MIN_DETECT_CHARS = 40;

/** The detected language of a text (ISO 639-1, or "und") and the warnings it implies. */
export function detectPieceLanguage(text: string): { language: string; warnings: string[] } {
  const sample = text.slice(0, 4000);
  if (sample.replace(/\s+/g, ' ').trim().length < MIN_DETECT_CHARS) return { language: 'en', warnings: [] };
  const code3 = franc(sample, { minLength: MIN_DETECT_CHARS });
  const language = code3 === 'und' ? 'und' : (iso6393To1[code3] ?? code3);
  if (language === 'und') {
    return { language, warnings: ['The language of the piece could not be detected; entities were extracted as if it were English.'] };
  }
  if (!HANDLED_LANGUAGES.has(language)) {
    return {
      language,
      warnings: [
        `The piece reads as language "${language}", which extraction does not handle: no entities or story terms were extracted from its text. Add entities by hand (PUT /api/anchors/:id/entities).`,
      ],
    };
  }
  return { language, warnings: [] };
}

/** True when extraction should read the piece's text (its language is handled or undetermined). */
export function extractionReads(language: string): boolean {
  return language === 'und' || HANDLED_LANGUAGES.has(language);
}
