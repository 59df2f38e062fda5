import { AppError, ErrorCodes } from '../errors.ts';
import type { AnchorRecord } from '../model/anchor.ts';
import type { AnchorStore } from '../storage/anchor-store.ts';

/** The anchor with this id, or the default (first) one when no id is given; 404 when there is none. */
export async function anchorOr404(anchors: Pick<AnchorStore, 'get' | 'defaultId'>, id: string | undefined): Promise<AnchorRecord> {
  const anchorId = id ?? (await anchors.defaultId());
  const anchor = anchorId ? await anchors.get(anchorId) : null;
  if (!anchor) throw new AppError(ErrorCodes.notFound, 'No anchor with this id.');
  return anchor;
}

/** The default (first) anchor, or null when there is none. */
export async function defaultAnchor(anchors: Pick<AnchorStore, 'get' | 'defaultId'>): Promise<AnchorRecord | null> {
  const id = await anchors.defaultId();
  return id ? anchors.get(id) : null;
}
