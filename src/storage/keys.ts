/**
 * Every Redis key name of the project is built here and nowhere else.
 *
 * Keys are `<prefix>:{<tag>}:<name>`: the part in braces is the Redis Cluster hash tag, so
 * every key of one aggregate lands in one slot (a script or MULTI on them stays legal on a
 * cluster) while different aggregates spread over the masters. The aggregates:
 *
 *   {feeds}        the feed registry and the schedule
 *   {host:H}       one feed host's request slots
 *   {i:ID}         one item's hash (the numerous keys: they spread over every master)
 *   {items}        the item indexes: every item, each feed's items, the untagged list, hourly counts
 *   {stories}      story clustering: LSH bands, signatures, each story's members
 *   {anchors}      the anchor list and its generation counter
 *   {a:ID}         one anchor: its record, digest, digest stream, entity indexes and counts, verdicts, tag states
 *   {alerts}       alerts, hits, alert streams, deliveries
 *   {subs}         digest subscriptions and their sends
 *   {stats}        collection statistics
 *   {auth}         API keys and the generated admin token
 *   {art:H} / {rate:C}   single keys (an article page, a caller's rate window) with their own slot
 *   {q:NAME}       one BullMQ queue (through `queuePrefix`)
 *
 * Steps that span aggregates (store an item, then index it; write an item's tags, then the
 * anchor's indexes) are separate idempotent steps in a fixed order: see docs/architecture.md.
 */

/** The key builder for one REDIS_PREFIX. */
export type Keys = ReturnType<typeof createKeys>;

/** Builds the key names for a prefix; two prefixes never share a key. */
export function createKeys(prefix: string) {
  const k = (tag: string, name?: string) => (name === undefined ? `${prefix}:{${tag}}` : `${prefix}:{${tag}}:${name}`);
  return Object.freeze({
    /** BullMQ `prefix` option of one queue: its keys become `<prefix>:{q:<name>}:<name>:...`, one slot per queue. */
    queuePrefix: (queueName: string) => k(`q:${queueName}`),
    /** Pattern matching every key of this prefix (for cleanup tools; on a cluster, SCAN every master). */
    all: `${prefix}:*`,

    /** ZSET feedId → createdAt ms: the feed registry. */
    feeds: k('feeds', 'feeds'),
    /** HASH of one feed's fields. */
    feed: (feedId: string) => k('feeds', `feed:${feedId}`),
    /** HASH canonical feed URL → feedId, for the 409 on a second registration. */
    feedUrls: k('feeds', 'feed-urls'),
    /** ZSET feedId → epoch ms when it is next due. */
    schedule: k('feeds', 'schedule'),
    /** STRING (expires): the topic of a deleted feed's WebSub unsubscription, until the hub verifies it. */
    websubLeaving: (feedId: string) => k('feeds', `websub-leaving:${feedId}`),
    /** ZSET of in-flight request tokens → lease expiry, one per feed host. */
    hostSlots: (host: string) => k(`host:${host}`),

    /** HASH of one stored item (compact layout: see storage/batch-scripts.ts), with `s:<feedId>` → link for each feed that carried it. */
    item: (itemId: string) => k(`i:${itemId}`),
    /** ZSET itemId → publishedAt ms: every stored item. */
    items: k('items', 'items'),
    /** HASH UTC hour number → items published in it: kept by the same scripts that change `items`. */
    itemsHourly: k('items', 'items-hourly'),
    /** ZSET itemId → publishedAt ms: the items one feed carried. */
    feedItems: (feedId: string) => k('items', `feed-items:${feedId}`),
    /** ZSET itemId → first-seen ms: items stored but not yet tagged against every anchor. */
    untagged: k('items', 'untagged'),

    /**
     * HASH LSH band → up to 4 item ids whose story signature falls in it, one per week (expires
     * after two). "bands2": the band hash of lshBandHashes; the SHA-1 bands of "bands" are never
     * read again (their hashes differ, so mixing them would only hide candidates) and expire.
     */
    storyBands: (week: number) => k('stories', `bands2:${week}`),
    /** HASH itemId → "<leader> <signature bytes>" of the items clustered in one week (expires after two). */
    storySigs: (week: number) => k('stories', `sigs:${week}`),
    /** ZSET itemId → publishedAt ms: the other items of the story an item leads. */
    storyMembers: (leaderId: string) => k('stories', `story:${leaderId}`),

    /** ZSET anchorId → position: the anchors in load order (the first is the default). */
    anchors: k('anchors', 'anchors'),
    /** STRING counter bumped on every anchor change, so taggers know to reload cheaply. */
    anchorsGeneration: k('anchors', 'anchors-generation'),

    /** STRING (JSON) of one anchor: source, entities, version. */
    anchor: (anchorId: string) => k(`a:${anchorId}`, 'anchor'),
    /** ZSET itemId → publishedAt ms: the items relevant to an anchor (the digest). */
    digest: (anchorId: string) => k(`a:${anchorId}`, 'digest'),
    /** ZSET itemId → publishedAt ms: the items that mention one entity of an anchor. */
    entityItems: (anchorId: string, entityKey: string) => k(`a:${anchorId}`, `entity:${entityKey}`),
    /** HASH UTC hour number → items of `entityItems` published in it, changed in the same script steps. */
    entityHourly: (anchorId: string, entityKey: string) => k(`a:${anchorId}`, `entity-hourly:${entityKey}`),
    /** STREAM of digest events for an anchor. */
    digestStream: (anchorId: string) => k(`a:${anchorId}`, 'digest-stream'),
    /** HASH itemId → JSON of the anchor's index state of the item (version, entity index keys, digest leader). */
    tagState: (anchorId: string) => k(`a:${anchorId}`, 'tag-state'),
    /** HASH leaderId → comma-separated ids shown in the digest while their story's leader was not. */
    digestFolds: (anchorId: string) => k(`a:${anchorId}`, 'digest-folds'),
    /** HASH itemId → JSON { relevant, at }: an analyst's verdicts on items for one anchor. */
    feedback: (anchorId: string) => k(`a:${anchorId}`, 'feedback'),
    /** STRING (JSON) of what the last compile of an anchor found: language, warnings, story terms. */
    anchorModel: (anchorId: string) => k(`a:${anchorId}`, 'anchor-model'),
    /** Pattern of every entity index (and hourly count) key of one anchor, for deleting the anchor. */
    entityIndexesOf: (anchorId: string) => [k(`a:${anchorId}`, 'entity:*'), k(`a:${anchorId}`, 'entity-hourly:*')] as const,

    /** HASH term → number of ingested items containing it (collection document frequencies). */
    collectionDf: k('stats', 'collection-df'),
    /** STRING: number of ingested items counted into `collectionDf`. */
    collectionDocs: k('stats', 'collection-docs'),

    /** STRING (JSON) of one alert. */
    alert: (alertId: string) => k('alerts', `alert:${alertId}`),
    /** SET of every alert id (to build the matching index). */
    alerts: k('alerts', 'alerts'),
    /** SET of the alert ids one key owns ("admin" for the admin token). */
    alertsOf: (owner: string) => k('alerts', `alerts-of:${owner}`),
    /** STRING counter bumped on every alert change, so matchers reload cheaply. */
    alertsGeneration: k('alerts', 'alerts-generation'),
    /** SET of story ids an alert has fired for: at most one hit per story, however often seen. */
    alertSeen: (alertId: string) => k('alerts', `alert-seen:${alertId}`),
    /** ZSET itemId → matchedAt ms: an alert's hits. */
    alertHits: (alertId: string) => k('alerts', `alert-hits:${alertId}`),
    /** ZSET itemId → publishedAt ms: items a spike alert's query matched (its series). */
    alertMatches: (alertId: string) => k('alerts', `alert-matches:${alertId}`),
    /** STRING with a TTL: a spike alert rests while it exists. */
    spikeRest: (alertId: string) => k('alerts', `spike-rest:${alertId}`),
    /** STREAM of hits for one owner's alerts. */
    alertStream: (owner: string) => k('alerts', `alert-stream:${owner}`),
    /** HASH of one webhook delivery. */
    delivery: (deliveryId: string) => k('alerts', `delivery:${deliveryId}`),
    /** ZSET deliveryId → createdAt ms: an alert's deliveries. */
    alertDeliveries: (alertId: string) => k('alerts', `alert-deliveries:${alertId}`),
    /** ZSET deliveryId → next attempt ms: pending deliveries, swept if a job was lost. */
    deliveriesDue: k('alerts', 'deliveries-due'),

    /** STRING (JSON, expires) of an article page read for its main text, by sha256 of its canonical URL. */
    article: (urlHash: string) => k(`art:${urlHash}`),
    /** STRING (expires): the error of a host whose article pages cannot be reached at all (DNS, refused address). */
    articleHostDown: (host: string) => k(`art-host:${host}`),
    /** STRING (JSON) of one digest subscription. */
    subscription: (id: string) => k('subs', `subscription:${id}`),
    /** SET of the subscription ids one key owns. */
    subscriptionsOf: (owner: string) => k('subs', `subscriptions-of:${owner}`),
    /** ZSET subscriptionId → next send ms: what the digest tick claims. */
    subscriptionsDue: k('subs', 'subscriptions-due'),
    /** STRING with a TTL: one digest e-mail of a subscription and period is being sent ("sending") or was sent ("sent"). */
    digestSend: (id: string, period: string) => k('subs', `digest-send:${id}:${period}`),
    /** STRING: the key that signs unsubscribe tokens, generated once, shared by every process. */
    unsubscribeSecret: k('subs', 'unsubscribe-secret'),

    /** STRING counter of one caller's writes in one rate-limit window (expires with it). */
    rateLimit: (caller: string) => k(`rate:${caller}`),

    /** STRING: the admin token generated when ADMIN_TOKEN is unset, shared by every process. */
    generatedAdminToken: k('auth', 'admin-token'),
    /** HASH sha256(key) → JSON of a user key. */
    apiKeys: k('auth', 'api-keys'),
  });
}
