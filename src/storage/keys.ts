/**
 * Every Redis key name of the project is built here and nowhere else.
 *
 * All keys (and BullMQ's queues, through `queuePrefix`) share the hash tag `{prefix}`, so on
 * a Redis Cluster they live in one slot and multi-key scripts and transactions keep working.
 */

/** The key builder for one REDIS_PREFIX. */
export type Keys = ReturnType<typeof createKeys>;

/** Builds the key names for a prefix; two prefixes never share a key. */
export function createKeys(prefix: string) {
  const p = `{${prefix}}`;
  return Object.freeze({
    /** BullMQ `prefix` option: queue keys become `{prefix}:poll:...`. */
    queuePrefix: p,
    /** Pattern matching every key of this prefix (for cleanup tools). */
    all: `${p}:*`,

    /** ZSET feedId → createdAt ms: the feed registry. */
    feeds: `${p}:feeds`,
    /** HASH of one feed's fields. */
    feed: (feedId: string) => `${p}:feed:${feedId}`,
    /** HASH canonical feed URL → feedId, for the 409 on a second registration. */
    feedUrls: `${p}:feed-urls`,
    /** ZSET feedId → epoch ms when it is next due. */
    schedule: `${p}:schedule`,
    /** ZSET of in-flight request tokens → lease expiry, one per feed host. */
    hostSlots: (host: string) => `${p}:host:${host}`,

    /** HASH of one stored item (compact layout: see storage/batch-scripts.ts), with `s:<feedId>` → link for each feed that carried it. */
    item: (itemId: string) => `${p}:item:${itemId}`,
    /** ZSET itemId → publishedAt ms: every stored item. */
    items: `${p}:items`,
    /** HASH UTC hour number → items published in it: kept by the same scripts that change `items`. */
    itemsHourly: `${p}:items-hourly`,
    /** ZSET itemId → publishedAt ms: the items one feed carried. */
    feedItems: (feedId: string) => `${p}:feed-items:${feedId}`,
    /** ZSET itemId → first-seen ms: items stored but not yet tagged against every anchor. */
    untagged: `${p}:untagged`,

    /** ZSET anchorId → position: the anchors in load order (the first is the default). */
    anchors: `${p}:anchors`,
    /** HASH LSH band → up to 4 item ids whose story signature falls in it, one per week (expires after two). */
    storyBands: (week: number) => `${p}:bands:${week}`,
    /** ZSET itemId → publishedAt ms: the other items of the story an item leads. */
    storyMembers: (leaderId: string) => `${p}:story:${leaderId}`,

    /** STRING (JSON) of one anchor: source, entities, version. */
    anchor: (anchorId: string) => `${p}:anchor:${anchorId}`,
    /** STRING counter bumped on every anchor change, so taggers know to reload cheaply. */
    anchorsGeneration: `${p}:anchors-generation`,
    /** ZSET itemId → publishedAt ms: the items relevant to an anchor (the digest). */
    digest: (anchorId: string) => `${p}:digest:${anchorId}`,
    /** ZSET itemId → publishedAt ms: the items that mention one entity of an anchor. */
    entityItems: (anchorId: string, entityKey: string) => `${p}:entity:${anchorId}:${entityKey}`,
    /** HASH UTC hour number → items of `entityItems` published in it, changed in the same script steps. */
    entityHourly: (anchorId: string, entityKey: string) => `${p}:entity-hourly:${anchorId}:${entityKey}`,
    /** STREAM of digest events for an anchor. */
    digestStream: (anchorId: string) => `${p}:digest-stream:${anchorId}`,

    /** STRING (JSON) of one alert. */
    alert: (alertId: string) => `${p}:alert:${alertId}`,
    /** SET of every alert id (to build the matching index). */
    alerts: `${p}:alerts`,
    /** SET of the alert ids one key owns ("admin" for the admin token). */
    alertsOf: (owner: string) => `${p}:alerts-of:${owner}`,
    /** STRING counter bumped on every alert change, so matchers reload cheaply. */
    alertsGeneration: `${p}:alerts-generation`,
    /** SET of story ids an alert has fired for: at most one hit per story, however often seen. */
    alertSeen: (alertId: string) => `${p}:alert-seen:${alertId}`,
    /** ZSET itemId → matchedAt ms: an alert's hits. */
    alertHits: (alertId: string) => `${p}:alert-hits:${alertId}`,
    /** ZSET itemId → publishedAt ms: items a spike alert's query matched (its series). */
    alertMatches: (alertId: string) => `${p}:alert-matches:${alertId}`,
    /** STRING with a TTL: a spike alert rests while it exists. */
    spikeRest: (alertId: string) => `${p}:spike-rest:${alertId}`,
    /** STREAM of hits for one owner's alerts. */
    alertStream: (owner: string) => `${p}:alert-stream:${owner}`,
    /** HASH of one webhook delivery. */
    delivery: (deliveryId: string) => `${p}:delivery:${deliveryId}`,
    /** ZSET deliveryId → createdAt ms: an alert's deliveries. */
    alertDeliveries: (alertId: string) => `${p}:alert-deliveries:${alertId}`,
    /** ZSET deliveryId → next attempt ms: pending deliveries, swept if a job was lost. */
    deliveriesDue: `${p}:deliveries-due`,

    /** STRING counter of one caller's writes in one rate-limit window (expires with it). */
    rateLimit: (caller: string) => `${p}:rate:${caller}`,

    /** STRING: the admin token generated when ADMIN_TOKEN is unset, shared by every process. */
    generatedAdminToken: `${p}:admin-token`,
    /** HASH sha256(key) → JSON of a user key. */
    apiKeys: `${p}:api-keys`,
  });
}
