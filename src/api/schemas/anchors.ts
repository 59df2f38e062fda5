import { z } from 'zod';

/** The kinds of entity. */
export const entityKind = z.enum(['person', 'place', 'organization', 'topic']);

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
  })
  .meta({ id: 'Entity', examples: [{ key: 'person:abbas-araghchi', name: 'Abbas Araghchi', kind: 'person', aliases: ['Araghchi'], weight: 1 }] });

/** The contract's Anchor. */
export const Anchor = z
  .object({
    id: z.string(),
    title: z.string(),
    url: z.url().nullable(),
    publishedAt: z.string().nullable().meta({ description: 'ISO 8601 date or date-time, as given in the source piece.' }),
    entities: z.array(Entity),
  })
  .meta({ id: 'Anchor', description: 'A source piece and the entities extracted from it.' });

/** GET /api/anchors. */
export const AnchorList = z.object({ anchors: z.array(Anchor) }).meta({ id: 'AnchorList' });
