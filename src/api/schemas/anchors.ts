import { z } from 'zod';

/** The kinds of entity. */
export const entityKind = z.enum(['person', 'place', 'organization', 'topic']);

/** Whether an entity is one of the story's own (core) or around it (context). */
export const entityRole = z.enum(['core', 'context']).meta({ description: '`core`: one of the story’s own actors, places and subjects; `context`: around it (a leader reacting, an analyst quoted, a place named in passing).' });

/** Body of POST /api/anchors. */
export const createAnchorBody = z
  .object({
    title: z.string().trim().min(1).max(300).optional().meta({ description: 'Required with `text`; with `url` alone, read from the page.' }),
    text: z.string().trim().min(1).max(200_000).optional().meta({ description: 'The piece as plain text; omit it to have the article at `url` fetched and read.' }),
    url: z
      .string()
      .trim()
      .url()
      .max(2048)
      .refine((u) => /^https?:/i.test(u), 'must be an http(s) URL')
      .optional()
      .meta({ description: 'http(s) only.' }),
    publishedAt: z.string().datetime({ offset: true }).optional(),
  })
  .refine((b) => b.text !== undefined || b.url !== undefined, { path: ['text'], message: 'give the text (with a title), or a url to read it from' })
  .refine((b) => b.text === undefined || b.title !== undefined, { path: ['title'], message: 'required with text' })
  .meta({ id: 'AnchorInput' });

/** Body of PUT /api/anchors/:id/entities. */
export const entitiesBody = z
  .object({
    entities: z
      .array(
        z.object({
          name: z.string().trim().min(1).max(200),
          kind: entityKind,
          aliases: z.array(z.string().trim().min(1).max(200)).max(100).optional(),
          role: entityRole.optional().meta({ description: 'Kept as it was when omitted; a new entity is core.' }),
        }),
      )
      .max(500),
  })
  .meta({ id: 'EntitiesInput' });

/** An entity of an anchor. */
export const Entity = z
  .object({
    key: z.string().meta({ description: 'Stable key, used by `entity=` and `entity:KEY`.' }),
    name: z.string().meta({ description: 'Display name as in the source piece.' }),
    kind: entityKind,
    aliases: z.array(z.string()),
    weight: z.number(),
    role: entityRole,
  })
  .meta({ id: 'Entity', examples: [{ key: 'araghchi', name: 'Abbas Araghchi', kind: 'person', aliases: ['Araghchi'], weight: 1, role: 'core' }] });

/** Body of PUT /api/anchors/:id/scope. */
export const scopeBody = z
  .object({
    scope: z
      .string()
      .max(1000)
      .nullable()
      .meta({ description: 'A query in the alert language every digest item must also match (`NOT "Oman Air"`); null (or empty) removes it.' }),
  })
  .strict()
  .meta({ id: 'ScopeInput' });

/** One term of the story's vocabulary. */
export const StoryTerm = z
  .object({
    term: z.string(),
    weight: z.number(),
    source: z.enum(['piece', 'coverage', 'feedback']).meta({ description: 'Where it came from: the source piece, items confidently on the story, or analyst feedback.' }),
  })
  .meta({ id: 'StoryTerm' });

/** The contract's Anchor. */
export const Anchor = z
  .object({
    id: z.string(),
    title: z.string(),
    url: z.url().nullable(),
    publishedAt: z.string().nullable().meta({ description: 'ISO 8601 date or date-time, as given in the source piece.' }),
    language: z.string().meta({ description: 'The piece’s detected language, ISO 639-1 (`und` when it cannot be told).' }),
    warnings: z.array(z.string()).meta({ description: 'What a person should know about how the piece was read.' }),
    entities: z.array(Entity),
    scope: z.string().nullable().meta({ description: 'The query every digest item must also match, or null.' }),
    story: z
      .object({ terms: z.array(StoryTerm) })
      .meta({ description: 'The vocabulary the relevance model currently holds for the story, and where each term came from (empty until the workers first compile the anchor).' }),
  })
  .meta({ id: 'Anchor', description: 'A source piece and the entities extracted from it.' });

/** GET /api/anchors. */
export const AnchorList = z.object({ anchors: z.array(Anchor) }).meta({ id: 'AnchorList' });
