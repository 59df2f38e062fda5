import type { AnchorRecord } from '../model/anchor.ts';
import { slug } from '../tagging/extract-entities.ts';
import { registerAnchorSource, type AnchorDeps } from './register-anchor.ts';

/** A source piece posted to the API. */
export interface AnchorInput {
  title: string;
  text: string;
  url?: string;
  publishedAt?: string;
}

/** The id of a posted anchor: a slug of its title. */
function anchorIdOf(title: string): string {
  return slug(title).slice(0, 60) || 'anchor';
}

/**
 * Creates an anchor from a posted piece: its id is a slug of the title, numbered when taken
 * ("talks", "talks-2"), its entities are extracted, and recent items are re-tagged against it.
 */
export async function createAnchor(input: AnchorInput, deps: AnchorDeps): Promise<AnchorRecord> {
  const base = anchorIdOf(input.title);
  let id = base;
  for (let n = 2; await deps.anchors.get(id); n++) id = `${base}-${n}`;
  return registerAnchorSource(
    {
      id,
      title: input.title,
      url: input.url ?? null,
      publishedAt: input.publishedAt ?? null,
      text: input.text,
      overrides: { entities: [], aliases: {}, exclude: [] },
    },
    deps,
  );
}
