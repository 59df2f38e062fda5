import { randomBytes } from 'node:crypto';
import { compileQuery } from '../alerts/evaluate-query.ts';
import { parseQuery } from '../alerts/parse-query.ts';
import { generateWebhookSecret } from '../alerts/sign-webhook.ts';
import { AppError, ErrorCodes } from '../errors.ts';
import type { AlertRecord, SpikeRule } from '../model/alert.ts';
import type { AlertStore } from '../storage/alert-store.ts';
import type { AnchorStore } from '../storage/anchor-store.ts';

/** An alert as the API takes it (already shape-checked). */
export interface AlertInput {
  name: string;
  query?: string;
  anchorId?: string;
  webhook?: { url: string; secret?: string };
  spike?: SpikeRule;
}

/** What creating an alert needs. */
export interface CreateAlertDeps {
  alerts: AlertStore;
  anchors: AnchorStore;
  /** Checks a target URL against the SSRF policy and gives its canonical form. */
  checkUrl(url: string): Promise<URL>;
  now(): number;
  /** Alerts one owner may have. */
  maxPerOwner: number;
}

/**
 * Creates a keyword or spike alert for an owner: the anchor must exist, the query must
 * compile against its entities (400 with the position of a syntax error), a spike's entity
 * must be one of them, and a webhook URL must pass the SSRF policy. A webhook without a
 * secret gets a generated one, returned once as `generatedSecret`.
 */
export async function createAlert(input: AlertInput, owner: string, deps: CreateAlertDeps): Promise<{ alert: AlertRecord; generatedSecret: string | null }> {
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
  let webhook: AlertRecord['webhook'] = null;
  let generatedSecret: string | null = null;
  if (input.webhook) {
    const url = await deps.checkUrl(input.webhook.url);
    generatedSecret = input.webhook.secret ? null : generateWebhookSecret();
    webhook = { url: url.href, secret: input.webhook.secret ?? generatedSecret!, disabled: false };
  }
  const alert: AlertRecord = {
    id: randomBytes(9).toString('base64url'),
    owner,
    name: input.name,
    query,
    anchorId: anchor.id,
    spike: input.spike ? { ...input.spike } : null,
    webhook,
    createdAt: deps.now(),
  };
  if (!(await deps.alerts.create(alert, deps.maxPerOwner))) {
    throw new AppError(ErrorCodes.conflict, `A key may own at most ${deps.maxPerOwner} alerts; delete some first.`);
  }
  return { alert, generatedSecret };
}
