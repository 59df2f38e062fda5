/**
 * Roles of a piece's entities, read from its structure: what the headline and the lede name,
 * and how often the rest of the piece comes back to an entity, make it `core` (the story's
 * own actors, places and subject); an entity named once or twice further down (a leader
 * reacting, a place in passing) is `context`.
 */
import type { AnchorSource, Entity, EntityRole } from '../model/anchor.ts';
import { compileMatcher } from './compile-matcher.ts';

/** Mentions in the body (outside headline and lede) from which an entity is core. */
export const CORE_BODY_MENTIONS = 3;

/** The headline, the lede (first paragraph) and the rest of a piece. */
export function pieceParts(source: AnchorSource): { headline: string; lede: string; body: string } {
  const paragraphs = source.text.split(/\n\s*\n|\n/).map((p) => p.trim()).filter((p) => p.length > 0);
  return { headline: source.title, lede: paragraphs[0] ?? '', body: paragraphs.slice(1).join('\n') };
}

/** Where each entity is mentioned in a piece: headline, lede and body mention counts. */
export function mentionProfile(source: AnchorSource, entities: Entity[]): Map<string, { headline: number; lede: number; body: number }> {
  const matcher = compileMatcher(entities);
  const { headline, lede, body } = pieceParts(source);
  const count = (text: string) => new Map(matcher.match(text, '').map((m) => [m.key, m.count]));
  const h = count(headline);
  const l = count(lede);
  const b = count(body);
  return new Map(entities.map((e) => [e.key, { headline: h.get(e.key) ?? 0, lede: l.get(e.key) ?? 0, body: b.get(e.key) ?? 0 }]));
}

/** The derived role of every entity (an entity that carries a role keeps it: a person's edit wins). */
export function deriveRoles(source: AnchorSource, entities: Array<Omit<Entity, 'role'> & { role?: EntityRole }>): Entity[] {
  const plain = entities.map((e) => ({ ...e, role: e.role ?? 'context' })) as Entity[];
  const profile = mentionProfile(source, plain);
  return entities.map((e, i) => {
    if (e.role) return plain[i]!;
    const p = profile.get(e.key)!;
    const core = p.headline > 0 || p.lede > 0 || p.body >= CORE_BODY_MENTIONS;
    return { ...plain[i]!, role: core ? 'core' : 'context' };
  });
}
