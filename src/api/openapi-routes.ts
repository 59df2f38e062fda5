import type { z } from 'zod';
import {
  AlertHitList,
  AlertHitWebhook,
  AlertList,
  Alert,
  AlertPreview,
  previewAlertBody,
  AlertSpikeWebhook,
  createAlertBody,
  DeliveryList,
  listQuery,
} from './schemas/alerts.ts';
import { Anchor, AnchorList, createAnchorBody, entitiesBody, scopeBody } from './schemas/anchors.ts';
import { noQuery, Problem, streamQuery } from './schemas/common.ts';
import { digestQuery, DigestPage, feedbackBody, FeedbackList, FeedbackResult, feedQuery, JsonFeed } from './schemas/digests.ts';
import { createFeedBody, Feed, FeedList, OpmlImportResult, PollQueued } from './schemas/feeds.ts';
import { ItemsPage, itemsQuery } from './schemas/items.ts';
import { ApiKey, createKeyBody } from './schemas/keys.ts';
import { Health, OpenApiDocument, Ready } from './schemas/operations.ts';
import { topQuery, TopCoverage, volumeQuery, VolumeResponse } from './schemas/volume.ts';
import { createSubscriptionBody, SendQueued, Subscription, SubscriptionList } from './schemas/subscriptions.ts';

/**
 * What the OpenAPI document says about each route beyond its schemas: the route table that
 * src/api/openapi.ts turns into `paths`. test/openapi.test.ts holds it against the real router.
 */

/** Bodies by media type: a zod schema, or 'text' for a plain string. */
export type Content = Record<string, z.ZodType | 'text'>;

/** One documented answer. */
export interface ResponseDoc {
  description: string;
  content?: Content;
  /** Response headers by name: their descriptions. */
  headers?: Record<string, string>;
}

/** One documented operation. */
export interface RouteDoc {
  method: 'get' | 'post' | 'put' | 'delete';
  /** OpenAPI form: `/api/feeds/{id}`. */
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  description?: string;
  /** Needs the admin token (a user key gets 403). */
  admin?: boolean;
  /** Descriptions of the path parameters, every one of the template. */
  params?: Record<string, string>;
  /** The schema the route validates its query with; its fields are the query parameters. */
  query?: z.ZodObject;
  /** Document `access_token` as a parameter too: the route serves clients that cannot send headers. */
  tokenInQuery?: boolean;
  /** Request headers by name: their descriptions. */
  headers?: Record<string, string>;
  /** A JSON body, or bodies of other media types. */
  body?: z.ZodType | { description: string; content: Content };
  /** Success (and operation-specific) answers by status. */
  responses: Record<number, ResponseDoc>;
  /** Problem statuses beyond the ones every /api route, admin route and body implies. */
  problems?: number[];
}

/** A request the API sends: a webhook. */
export interface WebhookDoc {
  operationId: string;
  summary: string;
  description?: string;
  body: z.ZodType;
}

const json = (description: string, schema: z.ZodType): ResponseDoc => ({ description, content: { 'application/json': schema } });
const media = (description: string, type: string): ResponseDoc => ({ description, content: { [type]: 'text' } });
const created = (description: string, schema: z.ZodType, what: string): ResponseDoc => ({ ...json(description, schema), headers: { Location: `The ${what}’s URL.` } });
const deleted: ResponseDoc = { description: 'Deleted.' };

const feedId = { id: 'Feed id.' };
const anchorIdAsId = { id: 'Anchor id.' };
const anchorId = { anchorId: 'Anchor id.' };
const alertId = { id: 'Alert id (another key’s alert is 404).' };
const subscriptionId = { id: 'Subscription id (another key’s subscription is 404).' };
const lastEventIdHeader = { 'Last-Event-ID': 'Resume after this event id: every missed event is sent once, in order, then the live ones.' };

type Operation = Omit<RouteDoc, 'method' | 'path' | 'operationId' | 'summary' | 'tag'>;

/** One operation of the table: method, path, operationId and summary first, the rest after. */
const op = (method: RouteDoc['method'], path: string, operationId: string, summary: string, rest: Operation) => ({ method, path, operationId, summary, ...rest });

/** The operations of one tag. */
const tagged = (tag: string, operations: Array<Omit<RouteDoc, 'tag'>>): RouteDoc[] => operations.map((o) => ({ ...o, tag }));

/** Every documented operation, in the document's order. */
export const routes: RouteDoc[] = [
  ...tagged('Operations', [
    op('get', '/healthz', 'getHealth', 'Liveness: 200 while the process runs', { responses: { 200: json('Alive.', Health) } }),
    op('get', '/readyz', 'getReadiness', 'Readiness: 200 when Redis answers, 503 otherwise', { responses: { 200: json('Ready.', Ready) }, problems: [503] }),
    op('get', '/metrics', 'getMetrics', 'Prometheus metrics', { responses: { 200: media('Prometheus text exposition format.', 'text/plain; version=0.0.4') } }),
    op('get', '/openapi.json', 'getOpenApi', 'This OpenAPI 3.1 document', { responses: { 200: json('The OpenAPI document.', OpenApiDocument) } }),
    op('get', '/admin/queues', 'getQueueDashboard', 'The queue dashboard (Bull Board)', {
      description:
        'An HTML application; its own sub-routes under /admin/queues are part of the dashboard, not of this API. A valid admin token (Bearer or ?access_token=) is exchanged for an HttpOnly cookie scoped to /admin/queues; with ?access_token= the answer is a 303 to the same address without it.',
      admin: true,
      responses: {
        200: media('The dashboard page.', 'text/html'),
        303: { description: 'The token was taken from the query string and set as a cookie; follow Location.', headers: { Location: 'The same address without the token.' } },
      },
    }),
  ]),
  ...tagged('WebSub', [
    op('get', '/websub/{feedId}', 'verifyWebSubIntent', 'A WebSub hub verifies a subscription request (no token)', {
      description:
        'Query: `hub.mode` (subscribe, unsubscribe or denied), `hub.topic`, `hub.challenge`, `hub.lease_seconds`. The challenge is echoed only when this system asked for exactly this: a subscription of the feed to its topic, or the unsubscription of a deleted feed. Anything else is 404.',
      params: { feedId: 'Feed id.' },
      responses: { 200: media('The hub.challenge, echoed.', 'text/plain') },
      problems: [404],
    }),
    op('post', '/websub/{feedId}', 'receiveWebSubPush', 'A WebSub hub pushes the feed document (no token; signed)', {
      description:
        'The body is the feed document; `X-Hub-Signature` (sha1=, sha256= or sha512= hex HMAC of the raw body under the feed\'s secret) must verify. It is then ingested like a poll of the feed. A bad or missing signature is answered 202 and changes nothing (it is counted). Body cap WEBSUB_MAX_BODY_BYTES (413), WEBSUB_PUSHES_PER_MINUTE per feed (429).',
      params: { feedId: 'Feed id.' },
      headers: { 'X-Hub-Signature': 'algorithm=hex HMAC of the raw body, keyed with the hub.secret of the subscription.' },
      body: { description: 'The feed document (RSS, Atom, RDF or JSON Feed).', content: { 'application/rss+xml': 'text', 'application/atom+xml': 'text', 'application/feed+json': 'text' } },
      responses: { 204: { description: 'Signed: ingested.' }, 202: { description: 'Bad or missing signature, or an unusable document: accepted, nothing changed.' } },
      problems: [404, 413, 429],
    }),
  ]),
  ...tagged('Pages', [
    op('get', '/', 'getDashboard', 'The dashboard', {
      description:
        'The source piece with its entities, the live digest, coverage volume, alerts and feed health. Open with ?access_token=TOKEN. The page’s own scripts and stylesheets are static files beside it.',
      responses: { 200: media('The dashboard page.', 'text/html') },
    }),
    op('get', '/vendor/uplot.iife.min.js', 'getUplotScript', 'uPlot browser build, used by the dashboard’s volume chart', { responses: { 200: media('JavaScript.', 'text/javascript') } }),
    op('get', '/vendor/uPlot.min.css', 'getUplotStylesheet', 'uPlot stylesheet, used by the dashboard’s volume chart', { responses: { 200: media('CSS.', 'text/css') } }),
  ]),
  ...tagged('Keys', [
    op('post', '/api/keys', 'createKey', 'Create a user key', { admin: true, body: createKeyBody, responses: { 201: json('The key, shown once.', ApiKey) } }),
  ]),
  ...tagged('Feeds', [
    op('get', '/api/feeds', 'listFeeds', 'List feeds', { query: noQuery, responses: { 200: json('The feeds.', FeedList) } }),
    op('post', '/api/feeds', 'createFeed', 'Register a feed (polled at once)', {
      admin: true,
      description: '400 for a URL that is not http(s), carries credentials, or resolves to a refused address.',
      body: createFeedBody,
      responses: {
        201: created('The feed.', Feed, 'feed'),
        409: { description: 'The URL is already registered; `id` names the existing feed.', content: { 'application/problem+json': Problem } },
      },
    }),
    op('get', '/api/feeds/export', 'exportFeeds', 'Export the feeds as OPML', { query: noQuery, responses: { 200: media('OPML 2.0 document.', 'text/x-opml') } }),
    op('post', '/api/feeds/import', 'importFeeds', 'Import feeds from OPML', {
      admin: true,
      description: 'A bad outline never fails the import: it is skipped and listed in `errors`.',
      body: { description: 'An OPML document (any content type is read as text).', content: { 'text/x-opml': 'text', 'application/xml': 'text', 'text/xml': 'text' } },
      responses: { 200: json('What was added and skipped.', OpmlImportResult) },
    }),
    op('get', '/api/feeds/{id}', 'getFeed', 'Get a feed', { params: feedId, query: noQuery, responses: { 200: json('The feed.', Feed) }, problems: [404] }),
    op('delete', '/api/feeds/{id}', 'deleteFeed', 'Delete a feed', { admin: true, params: feedId, responses: { 204: deleted }, problems: [404] }),
    op('post', '/api/feeds/{id}/poll', 'pollFeed', 'Poll a feed now, whatever its schedule', {
      admin: true,
      params: feedId,
      responses: { 202: json('The poll is queued.', PollQueued) },
      problems: [404],
    }),
  ]),
  ...tagged('Anchors', [
    op('get', '/api/anchors', 'listAnchors', 'List anchors (source pieces)', { query: noQuery, responses: { 200: json('The anchors.', AnchorList) } }),
    op('post', '/api/anchors', 'createAnchor', 'Add a source piece; its entities are extracted', {
      admin: true,
      body: createAnchorBody,
      responses: { 201: created('The anchor.', Anchor, 'anchor') },
    }),
    op('get', '/api/anchors/{id}', 'getAnchor', 'Get an anchor', { params: anchorIdAsId, query: noQuery, responses: { 200: json('The anchor.', Anchor) }, problems: [404] }),
    op('put', '/api/anchors/{id}/entities', 'replaceAnchorEntities', 'Replace the entity list of an anchor', {
      admin: true,
      description: 'Later items are tagged with the new list.',
      params: anchorIdAsId,
      body: entitiesBody,
      responses: { 200: json('The anchor.', Anchor) },
      problems: [404],
    }),
    op('put', '/api/anchors/{id}/scope', 'setAnchorScope', 'Set or remove the scope query of an anchor', {
      admin: true,
      description: 'A query in the alert language that every digest item must also match (`NOT "Oman Air"`); null removes it. A syntax error answers 400 with its `position`. Recent items are re-tagged: those that leave the digest are sent on its stream as `event: remove`.',
      params: anchorIdAsId,
      body: scopeBody,
      responses: { 200: json('The anchor.', Anchor) },
      problems: [404],
    }),
    op('delete', '/api/anchors/{id}', 'deleteAnchor', 'Delete an anchor', {
      admin: true,
      description: 'The anchor, its digest, stream, feedback and volume indexes go; the items stay.',
      params: anchorIdAsId,
      query: noQuery,
      responses: { 204: deleted },
      problems: [404],
    }),
  ]),
  ...tagged('Digest', [
    op('get', '/api/items', 'listItems', 'Every stored item, newest first, with its tags for one anchor', {
      query: itemsQuery,
      responses: { 200: json('A page of items.', ItemsPage) },
      problems: [404],
    }),
    op('get', '/api/digests/{anchorId}', 'getDigest', 'The items relevant to a source piece, newest first', {
      params: anchorId,
      query: digestQuery,
      responses: { 200: json('A page of the digest.', DigestPage) },
      problems: [404],
    }),
    op('get', '/api/digests/{anchorId}/stream', 'streamDigest', 'The live digest as server-sent events', {
      description:
        '`event: item`, an `id:` per event, `data:` a DigestItem (JSON); `event: remove` with `data: {"id"}` when an item leaves the digest (a judgement, a new entity list or scope, a re-scored model), with an id too. Reconnecting with Last-Event-ID (header or ?lastEventId=) replays every missed item once, in order, then the live ones. A comment line at least every 15 s keeps the connection open.',
      params: anchorId,
      query: streamQuery,
      tokenInQuery: true,
      headers: lastEventIdHeader,
      responses: { 200: media('Server-sent events; each `data:` is a DigestItem.', 'text/event-stream') },
      problems: [404],
    }),
    op('post', '/api/digests/{anchorId}/feedback', 'postDigestFeedback', 'Judge one item: it belongs in this digest, or it is not about this story', {
      admin: true,
      description:
        'The item is in or out of the digest at once, whatever its score (leaving, it is sent on the stream as `event: remove`), and the anchor’s relevance model learns from the verdict: recent items are re-scored, so similar items move too.',
      params: anchorId,
      query: noQuery,
      body: feedbackBody,
      responses: { 200: json('The verdict and the item’s score.', FeedbackResult) },
      problems: [404],
    }),
    op('get', '/api/digests/{anchorId}/feedback', 'listDigestFeedback', 'The analyst’s verdicts on this digest’s items', {
      params: anchorId,
      query: noQuery,
      responses: { 200: json('The verdicts, oldest first.', FeedbackList) },
      problems: [404],
    }),
    op('delete', '/api/digests/{anchorId}/feedback/{itemId}', 'deleteDigestFeedback', 'Withdraw a verdict', {
      admin: true,
      description: 'The item goes back to what the model says of it, and the model relearns without the verdict.',
      params: { ...anchorId, itemId: 'The judged item.' },
      query: noQuery,
      responses: { 204: deleted },
      problems: [404],
    }),
    op('get', '/api/digests/{anchorId}/feed.atom', 'getDigestAtom', 'The digest as an Atom feed', {
      params: anchorId,
      query: feedQuery,
      tokenInQuery: true,
      responses: { 200: media('Atom 1.0 feed.', 'application/atom+xml') },
      problems: [404],
    }),
    op('get', '/api/digests/{anchorId}/feed.json', 'getDigestJsonFeed', 'The digest as a JSON Feed 1.1', {
      params: anchorId,
      query: feedQuery,
      tokenInQuery: true,
      responses: { 200: { description: 'JSON Feed 1.1.', content: { 'application/feed+json': JsonFeed } } },
      problems: [404],
    }),
  ]),
  ...tagged('Alerts', [
    op('get', '/api/alerts', 'listAlerts', 'The caller’s alerts', { query: noQuery, responses: { 200: json('The alerts.', AlertList) } }),
    op('post', '/api/alerts', 'createAlert', 'Create a keyword or spike alert', {
      description:
        'A syntax error in `query` answers 400 with `detail` naming its position (and `position`, `expected`). A generated webhook secret is returned once, here, as `webhook.secret`. 409 when the key already owns the maximum number of alerts.',
      body: createAlertBody,
      responses: { 201: created('The alert.', Alert, 'alert') },
      problems: [409],
    }),
    op('post', '/api/alerts/preview', 'previewAlert', 'Try a query on past coverage without saving it', {
      description:
        'What the query would have matched among the stored items of the range (default: the last 7 days), newest first, with a count per UTC day, using the same matcher as live alerts. Nothing is saved or sent. 400 with the position of a syntax error, or when the range holds more items than VOLUME_QUERY_MAX_ITEMS; 503 with Retry-After when the process already runs EXPENSIVE_READ_CONCURRENCY scans.',
      body: previewAlertBody,
      responses: { 200: json('The matches.', AlertPreview) },
      problems: [503],
    }),
    op('get', '/api/alerts/stream', 'streamAlertHits', 'Hits of the caller’s alerts as server-sent events', {
      description: '`event: hit` per hit, with the same Last-Event-ID promise as the digest stream.',
      query: streamQuery,
      tokenInQuery: true,
      headers: lastEventIdHeader,
      responses: { 200: media('Server-sent events; each `data:` is a hit.', 'text/event-stream') },
    }),
    op('get', '/api/alerts/{id}', 'getAlert', 'Get one of the caller’s alerts', { params: alertId, query: noQuery, responses: { 200: json('The alert.', Alert) }, problems: [404] }),
    op('delete', '/api/alerts/{id}', 'deleteAlert', 'Delete one of the caller’s alerts', { params: alertId, responses: { 204: deleted }, problems: [404] }),
    op('get', '/api/alerts/{id}/hits', 'listAlertHits', 'Hits of an alert, newest first', {
      params: alertId,
      query: listQuery,
      responses: { 200: json('The hits.', AlertHitList) },
      problems: [404],
    }),
    op('get', '/api/alerts/{id}/deliveries', 'listAlertDeliveries', 'Deliveries of an alert, on every channel', {
      description: 'A delivery that exhausted its retries stays listed as failed.',
      params: alertId,
      query: listQuery,
      responses: { 200: json('The deliveries.', DeliveryList) },
      problems: [404],
    }),
  ]),
  ...tagged('Subscriptions', [
    op('get', '/api/subscriptions', 'listSubscriptions', 'The caller’s digest subscriptions', { query: noQuery, responses: { 200: json('The subscriptions.', SubscriptionList) } }),
    op('post', '/api/subscriptions', 'createSubscription', 'Subscribe an address to a digest e-mail', {
      description:
        'Hourly, daily or weekly (Mondays) at `at` on the clock of `tz`: the stories that entered the digest since the last e-mail, newest first (none sent when there are none), with links to the dashboard, the Atom feed and an unsubscribe URL that needs no token. 400 without SMTP_URL, for an unknown zone or anchor.',
      body: createSubscriptionBody,
      responses: { 201: created('The subscription.', Subscription, 'subscription') },
      problems: [409],
    }),
    op('get', '/api/subscriptions/{id}', 'getSubscription', 'Get one of the caller’s subscriptions', { params: subscriptionId, query: noQuery, responses: { 200: json('The subscription.', Subscription) }, problems: [404] }),
    op('delete', '/api/subscriptions/{id}', 'deleteSubscription', 'Delete one of the caller’s subscriptions', { params: subscriptionId, responses: { 204: deleted }, problems: [404] }),
    op('post', '/api/subscriptions/{id}/send', 'sendSubscription', 'Send the next digest e-mail now', {
      description: 'The schedule goes on as before; the next scheduled e-mail holds what entered the digest after this one.',
      params: subscriptionId,
      responses: { 202: json('Queued.', SendQueued) },
      problems: [404],
    }),
    op('get', '/unsubscribe/{token}', 'unsubscribe', 'Unsubscribe link of a digest e-mail (no bearer token: the signed token is the authentication)', {
      params: { token: 'The signed token from the e-mail.' },
      responses: { 200: media('A page confirming that the subscription is gone.', 'text/html'), 400: media('A page saying the link is not valid.', 'text/html') },
    }),
    op('post', '/unsubscribe/{token}', 'unsubscribeOneClick', 'One-click unsubscribe (RFC 8058 List-Unsubscribe-Post), the same as the GET', {
      params: { token: 'The signed token from the e-mail.' },
      responses: { 200: media('A page confirming that the subscription is gone.', 'text/html'), 400: media('A page saying the link is not valid.', 'text/html') },
    }),
  ]),
  ...tagged('Volume', [
    op('get', '/api/volume', 'getVolume', 'Coverage volume over time, per entity and per query', {
      query: volumeQuery,
      responses: { 200: { description: 'The series (JSON), or the same as CSV with format=csv.', content: { 'application/json': VolumeResponse, 'text/csv': 'text' } } },
      problems: [404, 503],
    }),
    op('get', '/api/volume/top', 'getTopCoverage', 'Share of voice: most covered entities, or outlets', {
      query: topQuery,
      responses: { 200: json('Most covered first.', TopCoverage) },
      problems: [404, 503],
    }),
  ]),
];

/** The requests the API sends, by webhook name. */
export const webhooks: Record<string, WebhookDoc> = {
  alertHit: {
    operationId: 'alertHitWebhook',
    summary: 'A keyword alert fired',
    description:
      'Signed per Standard Webhooks: webhook-id (same on every retry), webhook-timestamp (Unix seconds), webhook-signature (v1, + base64 HMAC-SHA256 over id.timestamp.body). Non-2xx or a timeout is retried with exponential backoff.',
    body: AlertHitWebhook,
  },
  alertSpike: { operationId: 'alertSpikeWebhook', summary: 'A spike alert fired', body: AlertSpikeWebhook },
};
