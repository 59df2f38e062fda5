import type { Logger } from 'pino';
import { AlertIndex } from '../alerts/alert-index.ts';
import { compileQuery } from '../alerts/evaluate-query.ts';
import { parseQuery } from '../alerts/parse-query.ts';
import type { AlertRecord } from '../model/alert.ts';
import type { AlertStore } from '../storage/alert-store.ts';
import type { AnchorStore } from '../storage/anchor-store.ts';

/** The alerts of one anchor, indexed for matching. */
export interface AnchorAlerts {
  index: AlertIndex;
  byId: Map<string, AlertRecord>;
}

/**
 * Every alert with a query, compiled and indexed per anchor (entity:KEY means that anchor's
 * entity), cached per process and rebuilt when the alerts' or anchors' generation counter
 * moves. Two GETs per use when nothing changed.
 */
export class AlertCatalog {
  private stamp = '';
  private byAnchor = new Map<string, AnchorAlerts>();

  constructor(
    private readonly alerts: AlertStore,
    private readonly anchors: AnchorStore,
    private readonly log: Logger,
  ) {}

  private loading: Promise<Map<string, AnchorAlerts>> | null = null;

  /** The indexed alerts of every anchor. */
  async current(): Promise<Map<string, AnchorAlerts>> {
    // Both counters in one round trip's time: a live item's tagging waits for this.
    const [alerts, anchors] = await Promise.all([this.alerts.generation(), this.anchors.generation()]);
    const stamp = `${alerts}/${anchors}`;
    if (stamp === this.stamp) return this.byAnchor;
    // Concurrent tag jobs share one rebuild.
    this.loading ??= this.rebuild(stamp).finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  private async rebuild(stamp: string): Promise<Map<string, AnchorAlerts>> {
    const [alerts, anchors] = await Promise.all([this.alerts.listAll(), this.anchors.list()]);
    const entityKeys = new Map(anchors.map((a) => [a.id, new Set(a.entities.map((e) => e.key))]));
    const next = new Map<string, AnchorAlerts>();
    for (const alert of alerts) {
      if (alert.query === null) continue;
      const keys = entityKeys.get(alert.anchorId);
      if (!keys) continue;
      try {
        const compiled = compileQuery(parseQuery(alert.query), { entityKeys: keys });
        let group = next.get(alert.anchorId);
        if (!group) next.set(alert.anchorId, (group = { index: new AlertIndex(), byId: new Map() }));
        group.index.add(alert.id, compiled);
        group.byId.set(alert.id, alert);
      } catch (err) {
        // An entity removed from the anchor after the alert was made: the alert waits, visibly in logs.
        this.log.warn({ alertId: alert.id, reason: (err as Error).message }, 'alert query no longer compiles');
      }
    }
    this.byAnchor = next;
    this.stamp = stamp;
    return next;
  }
}
