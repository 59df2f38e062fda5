/** Shapes of a source piece (anchor) and its entities, shared by extraction, matching and storage. */

export type EntityKind = 'person' | 'place' | 'organization' | 'topic';

/** `core`: one of the story's own actors, places and subjects; `context`: around it (a leader reacting, a place named in passing). */
export type EntityRole = 'core' | 'context';

/** An entity of the source piece, as the contract's Entity. */
export interface Entity {
  /** Stable slug: "araghchi", "muscat", "carrier-group", "isw". */
  key: string;
  /** Display name as in the source piece: "Abbas Araghchi", "Muscat", "carrier group". */
  name: string;
  kind: EntityKind;
  /** Every surface form that counts as a mention besides the name (surname, demonyms, acronym, variants). */
  aliases: string[];
  /** How specific a mention is, 0..1: a rare surname or "Muscat" weighs more than "US". */
  weight: number;
  /** Derived from the piece's structure (headline, lede, who acts), editable through the API. */
  role: EntityRole;
}

/** Overrides an anchor file (front matter) or the API may give on top of extraction. */
export interface EntityOverrides {
  /** Entities to add (or replace, by key or name). */
  entities: Array<{ name: string; kind: EntityKind; aliases?: string[]; key?: string; weight?: number; role?: EntityRole }>;
  /** Extra aliases for extracted entities, by key. */
  aliases: Record<string, string[]>;
  /** Keys or names of extracted entities to drop. */
  exclude: string[];
}

/** A source piece as read from a Markdown file or posted to the API, before extraction. */
export interface AnchorSource {
  id: string;
  title: string;
  url: string | null;
  publishedAt: string | null;
  /** The body text of the source piece (Markdown front matter removed). */
  text: string;
  overrides: EntityOverrides;
}

/** An anchor as stored: its source, its current entity list and the version of that list. */
export interface AnchorRecord {
  id: string;
  source: AnchorSource;
  entities: Entity[];
  /** Bumped on every change of the entity list; tags remember the version that made them. */
  version: number;
  /** Hash of the source it was extracted from: an unchanged file does not reset API edits. */
  sourceHash: string;
  updatedAt: number;
  /** The piece's detected language, ISO 639-1 ("en"), or "und" when it cannot be told. */
  language: string;
  /** What a person should know about how the piece was read (e.g. a language extraction does not handle). */
  warnings: string[];
}
