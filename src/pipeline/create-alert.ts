import { randomBytes } from 'node:crypto';
import { compileQuery } from '../alerts/evaluate-query.ts';
import { parseQuery } from '../alerts/parse-query.ts';
import type { DeliveryChannel, DeliveryChannels, TargetInputs } from '../alerts/channels/channel.ts';
import { AppError, ErrorCodes } from '../errors.ts';
import type { AlertRecord, AlertTargets, ChannelKind, SpikeRule } from '../model/alert.ts';
import type { AlertStore } from '../storage/alert-store.ts';
import type { AnchorStore } from '../storage/anchor-store.ts';

/** An alert as the API takes it (already shape-checked), with a target for any of the channels. */
export type AlertInput = Partial<TargetInputs> & {
  name: string;
  query?: string;
  anchorId?: string;
  spike?: SpikeRule;
};

/** What the caller is shown once, per channel (a generated webhook secret). */
export type ShownOnce = { [K in ChannelKind]?: Partial<AlertTargets[K]> };

/** What creating an alert needs. */
export interface CreateAlertDeps {
  alerts: AlertStore;
  anchors: AnchorStore;
  channels: DeliveryChannels;
  /** Checks a target URL against the SSRF policy and gives its canonical form. */
  checkUrl(url: string): Promise<URL>;
  now(): number;
  /** Alerts one owner may have. */
  maxPerOwner: number;
}

/**
 * Creates a keyword or spike alert for an owner: the anchor must exist, the query must
 * compile against its entities (400 with the position of a syntax error), a spike's entity
 * must be one of them, and each channel checks its target (a webhook URL must pass the SSRF
 * policy). What a channel generated for the caller (a webhook secret) is returned once in
 * `shownOnce`.
 */
export async function createAlert(input: AlertInput, owner: string, deps: CreateAlertDeps): Promise<{ alert: AlertRecord; shownOnce: ShownOnce }> {
  const anchorId = input.anchorId ?? (await deps.anchors.defaultId());
  const anchor = anchorId ? await deps.anchors.get(anchorId) : null;
  if (!anchor) throw new AppError(ErrorCodes.validation, 'No such anchor.', { fieldErrors: [{ field: 'anchorId', message: 'is not an anchor' }] });
  const query = input.query ?? input.spike?.query ?? null;
  if (query !== null) compileQuery(parseQuery(query), { entityKeys: new Set(anchor.entities.map((e) => e.key)) });
  if (input.spike?.entity && !anchor.entities.some((e) => e.key === input.spike!.entity)) {
    throw new AppError(ErrorCodes.validation, `Unknown entity key "${input.spike.entity}" for anchor ${anchor.id}.`, {
      fieldErrors: [{ field: 'spike.entity', message: 'is not an entity key of this anchor' }],
    });
  }
  const targets = Object.fromEntries(Object.keys(deps.channels).map((kind) => [kind, null])) as { [K in ChannelKind]: AlertTargets[K] | null };
  const shownOnce: ShownOnce = {};
  for (const channel of Object.values(deps.channels) as DeliveryChannel[]) {
    const given = input[channel.kind];
    if (given === undefined) continue;
    const checked = await channel.checkTarget(given as never, deps);
    (targets as Record<ChannelKind, unknown>)[channel.kind] = checked.target;
    if (checked.shownOnce) shownOnce[channel.kind] = checked.shownOnce;
  }
  const alert: AlertRecord = {
    id: randomBytes(9).toString('base64url'),
    owner,
    name: input.name,
    query,
    anchorId: anchor.id,
    spike: input.spike ? { ...input.spike } : null,
    ...targets,
    createdAt: deps.now(),
  };
  if (!(await deps.alerts.create(alert, deps.maxPerOwner))) {
    throw new AppError(ErrorCodes.conflict, `A key may own at most ${deps.maxPerOwner} alerts; delete some first.`);
  }
  return { alert, shownOnce };
}
