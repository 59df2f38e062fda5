import { createRequire } from 'node:module';

/**
 * The OpenAPI 3.1 description of the HTTP API, served at GET /openapi.json.
 *
 * Written by hand, next to the routes, and kept honest by test/openapi.test.ts: that test walks
 * the real Express app and fails when a route it serves is missing here (and when a path here is
 * not served). Schemas are JSON Schema 2020-12, as OpenAPI 3.1 allows (nullable = type [T, 'null']).
 */

type Json = Record<string, unknown>;

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

// ---------------------------------------------------------------------------------------------
// Small builders for the repeated bits
// ---------------------------------------------------------------------------------------------

const schemaRef = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const paramRef = (name: string): Json => ({ $ref: `#/components/parameters/${name}` });
const responseRef = (name: string): Json => ({ $ref: `#/components/responses/${name}` });

const str = (extra: Json = {}): Json => ({ type: 'string', ...extra });
const nullableStr = (extra: Json = {}): Json => ({ type: ['string', 'null'], ...extra });
const dateTime = (description?: string): Json => ({ type: 'string', format: 'date-time', ...(description ? { description } : {}) });
const nullableDateTime = (description?: string): Json => ({ type: ['string', 'null'], format: 'date-time', ...(description ? { description } : {}) });
const int = (extra: Json = {}): Json => ({ type: 'integer', ...extra });
const arrayOf = (items: Json, extra: Json = {}): Json => ({ type: 'array', items, ...extra });

/**
 * An object with the listed properties, `required` those named (all by default). Responses stay
 * open (a client must tolerate new fields); request bodies the API checks strictly use `closed`.
 */
function object(properties: Record<string, Json>, required: string[] = Object.keys(properties), extra: Json = {}): Json {
  return { type: 'object', properties, required, ...extra };
}

/** An object that refuses unknown properties (the API answers 400 to them). */
function closed(properties: Record<string, Json>, required: string[] = Object.keys(properties), extra: Json = {}): Json {
  return object(properties, required, { additionalProperties: false, ...extra });
}

/** A JSON response body. */
function json(description: string, schema: Json): Json {
  return { description, content: { 'application/json': { schema } } };
}

/** A response of another media type. */
function media(description: string, type: string, schema: Json = str()): Json {
  return { description, content: { [type]: { schema } } };
}

/** A JSON request body. */
function jsonBody(schema: Json, description?: string): Json {
  return { required: true, ...(description ? { description } : {}), content: { 'application/json': { schema } } };
}

/** A query parameter. */
function query(name: string, schema: Json, description: string): Json {
  return { name, in: 'query', required: false, description, schema };
}

/** A path parameter. */
function pathParam(name: string, description: string): Json {
  return { name, in: 'path', required: true, description, schema: str({ minLength: 1 }) };
}

/** Problem responses by status, as components/responses names. */
const problemResponseNames: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  413: 'PayloadTooLarge',
  429: 'TooManyRequests',
  503: 'ServiceUnavailable',
};

/** Either bearer token or ?access_token= satisfies an /api route. */
const apiSecurity: Json[] = [{ bearerAuth: [] }, { accessToken: [] }];

interface OperationSpec {
  operationId: string;
  summary: string;
  tag: string;
  description?: string;
  /** Needs the admin token (a user key gets 403). */
  admin?: boolean;
  /** Under /api: needs a token (401), may be rate limited (429), refuses unknown query parameters (400). */
  api?: boolean;
  parameters?: Json[];
  requestBody?: Json;
  /** Success (and operation-specific) responses. */
  responses: Record<string, Json>;
  /** Extra problem statuses beyond the ones implied by `api`, `admin`, parameters and body. */
  problems?: number[];
}

/** An operation with the problem responses that apply to it. */
function operation(spec: OperationSpec): Json {
  const statuses = new Set(spec.problems ?? []);
  if (spec.api) {
    // Every /api route validates its query strictly (unknown parameters answer 400).
    statuses.add(400);
    statuses.add(401);
    statuses.add(429);
  }
  if (spec.admin) {
    statuses.add(401);
    statuses.add(403);
  }
  if (spec.requestBody) {
    statuses.add(400);
    statuses.add(413);
  }
  const responses: Record<string, Json> = { ...spec.responses };
  for (const status of [...statuses].sort((a, b) => a - b)) {
    if (!(String(status) in responses)) responses[String(status)] = responseRef(problemResponseNames[status]!);
  }
  return {
    operationId: spec.operationId,
    summary: spec.summary,
    tags: [spec.tag],
    ...(spec.description || spec.admin
      ? { description: [spec.description, spec.admin ? 'Admin token only.' : undefined].filter(Boolean).join('\n\n') }
      : {}),
    ...(spec.api || spec.admin ? { security: apiSecurity } : { security: [] }),
    ...(spec.parameters && spec.parameters.length > 0 ? { parameters: spec.parameters } : {}),
    ...(spec.requestBody ? { requestBody: spec.requestBody } : {}),
    responses,
  };
}

// ---------------------------------------------------------------------------------------------
// Schemas of the contract
// ---------------------------------------------------------------------------------------------

const entityKind = { type: 'string', enum: ['person', 'place', 'organization', 'topic'] };

/** Window, baseline and threshold of a spike rule. */
const spikeThresholds: Record<string, Json> = {
  windowMinutes: int({ minimum: 1, maximum: 10080 }),
  baselineHours: int({ minimum: 1, maximum: 2160 }),
  factor: { type: 'number', minimum: 1, maximum: 1000 },
  minCount: int({ minimum: 1, maximum: 1000000 }),
};

const schemas: Record<string, Json> = {
  Feed: object(
    {
      id: str(),
      url: str({ format: 'uri' }),
      title: nullableStr(),
      status: { type: 'string', enum: ['active', 'failing', 'disabled'] },
      intervalSeconds: { type: 'integer', minimum: 1, description: 'The base interval of the feed: its own, else the configured default (POLL_INTERVAL_SECONDS).' },
      lastPolledAt: nullableDateTime(),
      lastStatus: { type: ['integer', 'null'], description: 'HTTP status of the last poll.' },
      lastError: nullableStr(),
      nextPollAt: nullableDateTime('Null for a disabled feed.'),
      itemCount: int({ minimum: 0 }),
      lastPoll: {
        oneOf: [
          object({
            itemsSeen: int({ minimum: 0, description: 'Items in the document.' }),
            itemsNew: int({ minimum: 0, description: 'Items stored for the first time (at most MAX_ITEMS_PER_FEED, the newest).' }),
            itemsTooOld: int({ minimum: 0, description: 'Items published before the retention window (RETENTION_DAYS): counted, not stored.' }),
            itemsRejected: int({ minimum: 0, description: 'Items that failed normalisation (no title, summary or link).' }),
          }),
          { type: 'null' },
        ],
        description: 'What the last successful read of the document found; null before the first one.',
      },
      htmlUrl: nullableStr({ format: 'uri', description: 'The site’s own page, as an OPML import or the caller gave it.' }),
      category: nullableStr({ description: 'The folder path, segments joined by "/" ("News/World"), as an OPML import or the caller gave it; OPML export nests it as folders.' }),
    },
    undefined,
    { description: 'A registered news feed. Times are ISO 8601 UTC, null where none.' },
  ),
  FeedList: object({ feeds: arrayOf(schemaRef('Feed')) }),
  FeedInput: object(
    {
      url: str({ minLength: 1, maxLength: 2048, description: 'An http(s) URL without credentials that resolves to a public address.' }),
      title: str({ minLength: 1, maxLength: 300 }),
      intervalSeconds: int({ minimum: 1, maximum: 86400 }),
      htmlUrl: str({ maxLength: 2048, format: 'uri', description: 'The site’s own page (http or https), kept for OPML export.' }),
      category: str({ minLength: 1, maxLength: 500, description: 'A folder path such as "News/World", kept for OPML export.' }),
    },
    ['url'],
  ),
  PollQueued: object({ id: str(), status: { const: 'queued' } }),
  OpmlImportResult: object(
    {
      added: int({ minimum: 0 }),
      skipped: int({ minimum: 0 }),
      errors: arrayOf(schemaRef('FieldError'), { description: 'Outlines that were skipped for an error (`field` is the outline URL).' }),
    },
    ['added', 'skipped'],
  ),

  Entity: object(
    {
      key: str({ description: 'Stable key, used by `entity=` and `entity:KEY`.' }),
      name: str({ description: 'Display name as in the source piece.' }),
      kind: entityKind,
      aliases: arrayOf(str()),
      weight: { type: 'number' },
    },
    undefined,
    { examples: [{ key: 'person:abbas-araghchi', name: 'Abbas Araghchi', kind: 'person', aliases: ['Araghchi'], weight: 1 }] },
  ),
  Anchor: object(
    {
      id: str(),
      title: str(),
      url: nullableStr({ format: 'uri' }),
      publishedAt: nullableStr({ description: 'ISO 8601 date or date-time, as given in the source piece.' }),
      entities: arrayOf(schemaRef('Entity')),
    },
    undefined,
    { description: 'A source piece and the entities extracted from it.' },
  ),
  AnchorList: object({ anchors: arrayOf(schemaRef('Anchor')) }),
  AnchorInput: object(
    {
      title: str({ minLength: 1, maxLength: 300 }),
      text: str({ minLength: 1, maxLength: 200000 }),
      url: str({ format: 'uri', maxLength: 2048, description: 'http(s) only.' }),
      publishedAt: str({ format: 'date-time' }),
    },
    ['title', 'text'],
  ),
  EntitiesInput: object({
    entities: arrayOf(
      object(
        {
          name: str({ minLength: 1, maxLength: 200 }),
          kind: entityKind,
          aliases: arrayOf(str({ minLength: 1, maxLength: 200 }), { maxItems: 100 }),
        },
        ['name', 'kind'],
      ),
      { maxItems: 500 },
    ),
  }),

  DigestItem: object(
    {
      id: str(),
      title: str(),
      link: nullableStr({ format: 'uri' }),
      source: object({ feedId: str(), title: nullableStr() }),
      publishedAt: nullableDateTime(),
      firstSeenAt: nullableDateTime(),
      score: { type: ['number', 'null'], description: 'Relevance to the anchor; null when not scored for it.' },
      entities: arrayOf(object({ key: str(), name: str(), kind: entityKind, count: int({ minimum: 1 }) })),
      snippet: str({ description: 'The summary, cut at a word boundary near 280 characters.' }),
      alsoReportedBy: arrayOf(object({ feedId: str(), title: nullableStr(), link: nullableStr({ format: 'uri' }) }), {
        description: 'Other feeds that carried the same story (same canonical link, or near-identical words in the digest).',
      }),
    },
    undefined,
    { description: 'One story, however many feeds reported it.' },
  ),
  ItemWithRelevance: {
    description: 'A DigestItem with `relevant`: true exactly for the items the digest of the anchor shows.',
    allOf: [schemaRef('DigestItem'), object({ relevant: { type: 'boolean' } })],
  },
  DigestPage: object({
    anchor: schemaRef('Anchor'),
    items: arrayOf(schemaRef('DigestItem')),
    nextCursor: nullableStr({ description: 'Null on the last page.' }),
  }),
  ItemsPage: object({
    items: arrayOf(schemaRef('ItemWithRelevance')),
    nextCursor: nullableStr({ description: 'Null on the last page.' }),
  }),
  JsonFeed: {
    type: 'object',
    description: 'A JSON Feed 1.1 document (https://www.jsonfeed.org/version/1.1/).',
    properties: {
      version: { const: 'https://jsonfeed.org/version/1.1' },
      title: str(),
      home_page_url: str({ format: 'uri' }),
      feed_url: str({ format: 'uri' }),
      items: arrayOf({ type: 'object', properties: { id: str(), url: str(), title: str() }, required: ['id'] }),
    },
    required: ['version', 'title', 'items'],
  },

  SpikeRule: {
    description:
      'Fires when the count in the last window is at least `factor` times the baseline rate over the window’s length and at least `minCount`; it then rests for one window. Exactly one of `entity` (a key of the anchor) and `query`.',
    oneOf: [
      closed({ entity: str({ minLength: 1, maxLength: 100, description: 'An entity key of the anchor.' }), ...spikeThresholds }),
      closed({ query: str({ minLength: 1, description: 'A query in the alert query language.' }), ...spikeThresholds }),
    ],
  },
  WebhookInput: closed(
    {
      url: str({ minLength: 1, maxLength: 2048, description: 'An http(s) URL that resolves to a public address.' }),
      secret: str({ pattern: '^whsec_[A-Za-z0-9+/]+={0,2}$', maxLength: 256, description: 'Standard Webhooks signing secret: whsec_ + base64 of 24 to 64 random bytes (400 otherwise); generated and returned once when omitted.' }),
    },
    ['url'],
  ),
  Webhook: object(
    {
      url: str({ format: 'uri' }),
      disabled: { type: 'boolean' },
      secret: str({ pattern: '^whsec_', description: 'Only in the 201 answer, and only when the secret was generated.' }),
    },
    ['url'],
  ),
  KeywordAlertInput: closed(
    {
      name: str({ minLength: 1, maxLength: 200 }),
      query: str({
        minLength: 1,
        description: 'Words, "quoted phrases", AND, OR, NOT, parentheses, a trailing * for a prefix, entity:KEY.',
        examples: ['entity:person:abbas-araghchi AND (talks OR negotiat*)'],
      }),
      anchorId: str({ minLength: 1, maxLength: 100, description: 'The anchor whose entities entity:KEY refers to; the first anchor when omitted.' }),
      webhook: schemaRef('WebhookInput'),
    },
    ['name', 'query'],
  ),
  SpikeAlertInput: closed(
    {
      name: str({ minLength: 1, maxLength: 200 }),
      spike: schemaRef('SpikeRule'),
      anchorId: str({ minLength: 1, maxLength: 100 }),
      webhook: schemaRef('WebhookInput'),
    },
    ['name', 'spike'],
  ),
  AlertInput: { oneOf: [schemaRef('KeywordAlertInput'), schemaRef('SpikeAlertInput')] },
  KeywordAlert: object(
    {
      id: str(),
      name: str(),
      query: str(),
      anchorId: str(),
      webhook: { oneOf: [schemaRef('Webhook'), { type: 'null' }] },
      spike: { not: {}, description: 'Absent: a keyword alert has no spike rule.' },
      createdAt: dateTime(),
    },
    ['id', 'name', 'query', 'anchorId', 'webhook', 'createdAt'],
    { description: 'An alert on a keyword query: fires at most once per item.' },
  ),
  SpikeAlert: object(
    {
      id: str(),
      name: str(),
      query: nullableStr({ description: 'The spike query, or null for a spike on an entity.' }),
      anchorId: str(),
      webhook: { oneOf: [schemaRef('Webhook'), { type: 'null' }] },
      spike: schemaRef('SpikeRule'),
      createdAt: dateTime(),
    },
    undefined,
    { description: 'An alert on a surge of coverage.' },
  ),
  Alert: { oneOf: [schemaRef('KeywordAlert'), schemaRef('SpikeAlert')], description: 'An alert of the calling key (keyword or spike).' },
  AlertList: object({ alerts: arrayOf(schemaRef('Alert')) }),
  AlertHit: object({
    itemId: str(),
    title: nullableStr(),
    link: nullableStr({ format: 'uri' }),
    publishedAt: nullableDateTime(),
    matchedAt: dateTime(),
  }),
  AlertHitList: object({ hits: arrayOf(schemaRef('AlertHit')) }),
  Delivery: object({
    webhookId: str({ description: 'The webhook-id header, the same on every retry.' }),
    itemId: str(),
    status: { type: 'string', enum: ['pending', 'delivered', 'failed'] },
    attempts: int({ minimum: 0 }),
    lastStatus: { type: ['integer', 'null'] },
    lastError: nullableStr(),
    nextAttemptAt: nullableDateTime('Set only while pending.'),
  }),
  DeliveryList: object({ deliveries: arrayOf(schemaRef('Delivery')) }),
  AlertHitWebhook: object(
    { type: { const: 'alert.hit' }, alert: object({ id: str(), name: str() }), item: schemaRef('DigestItem') },
    undefined,
    { description: 'Body POSTed to a keyword alert webhook, signed per Standard Webhooks.' },
  ),
  AlertSpikeWebhook: object(
    {
      type: { const: 'alert.spike' },
      alert: object({ id: str(), name: str() }),
      count: int(),
      baseline: { type: 'number' },
      items: arrayOf(schemaRef('DigestItem')),
    },
    undefined,
    { description: 'Body POSTed to a spike alert webhook, signed per Standard Webhooks.' },
  ),

  VolumePoint: object(
    { t: dateTime('Start of the bucket.'), count: int({ minimum: 0 }), share: { type: 'number', minimum: 0, maximum: 1, description: 'With normalize=share.' } },
    ['t', 'count'],
  ),
  VolumeSeries: object({
    key: str({ description: 'Entity key, or "q" for the q= series.' }),
    name: str(),
    points: arrayOf(schemaRef('VolumePoint')),
  }),
  VolumeResponse: object(
    {
      interval: { type: 'string', enum: ['minute', 'hour', 'day'] },
      from: dateTime(),
      to: dateTime(),
      tz: str(),
      normalize: { const: 'share' },
      series: arrayOf(schemaRef('VolumeSeries')),
    },
    ['interval', 'from', 'to', 'tz', 'series'],
    { description: 'Distinct items per bucket by publication time; every bucket present, zero where empty.' },
  ),
  TopEntities: object({
    from: dateTime(),
    to: dateTime(),
    entities: arrayOf(object({ key: str(), name: str(), count: int({ minimum: 0 }) }), { description: 'Most covered first.' }),
  }),
  TopSources: object({
    from: dateTime(),
    to: dateTime(),
    sources: arrayOf(object({ feedId: str(), title: nullableStr(), count: int({ minimum: 0 }) }), { description: 'Most stories first.' }),
  }),

  ApiKeyInput: object({ name: str({ minLength: 1, maxLength: 100 }) }),
  ApiKey: object(
    { id: str(), name: str(), key: str({ pattern: '^awk_', description: 'Shown once; stored hashed.' }) },
    undefined,
    { description: 'A user key: may read feeds, anchors, digests and volume, and manage its own alerts.' },
  ),

  FieldError: object({ field: str(), message: str() }),
  Problem: {
    type: 'object',
    description: 'RFC 9457 problem details.',
    properties: {
      type: str({ format: 'uri', examples: ['https://anchorwatch.dev/problems/validation_failed'] }),
      title: str(),
      status: int({ minimum: 400, maximum: 599 }),
      detail: str(),
      code: str({ description: 'Stable error code, e.g. validation_failed, unauthorized, not_found, conflict, query_syntax.' }),
      errors: arrayOf(schemaRef('FieldError'), { description: 'Field errors of a 400.' }),
      position: int({ minimum: 0, description: 'Query syntax errors: the position of the error in `query`.' }),
      expected: str({ description: 'Query syntax errors: what the parser expected there.' }),
      id: str({ description: 'A 409 on POST /api/feeds: the id of the feed already registered with this URL.' }),
    },
    required: ['type', 'title', 'status', 'detail'],
    additionalProperties: true,
  },

  Health: object({ status: { const: 'ok' } }),
  Ready: object({ status: { const: 'ready' } }),
};

// ---------------------------------------------------------------------------------------------
// Shared parameters and responses
// ---------------------------------------------------------------------------------------------

const parameters: Record<string, Json> = {
  Limit: query('limit', int({ minimum: 1, maximum: 200, default: 50 }), 'Page size, 1 to 200.'),
  Cursor: query('cursor', str(), 'The `nextCursor` of the previous page; any other value answers 400.'),
  AccessToken: query('access_token', str(), 'The token, for clients that cannot send headers (EventSource, feed readers).'),
  LastEventIdQuery: query('lastEventId', str(), 'Resume after this event id (like the Last-Event-ID header).'),
  LastEventIdHeader: {
    name: 'Last-Event-ID',
    in: 'header',
    required: false,
    description: 'Resume after this event id: every missed event is sent once, in order, then the live ones.',
    schema: str(),
  },
  AnchorIdQuery: query('anchorId', str({ minLength: 1, maxLength: 100 }), 'The anchor; the first anchor when omitted.'),
  From: query('from', str({ format: 'date-time' }), 'Start (ISO 8601 with a zone); 7 days before `to` when omitted. A malformed date answers 400.'),
  To: query('to', str({ format: 'date-time' }), 'End (ISO 8601 with a zone); now when omitted.'),
  FeedIdPath: pathParam('id', 'Feed id.'),
  AnchorIdPathId: pathParam('id', 'Anchor id.'),
  AlertIdPath: pathParam('id', 'Alert id (another key’s alert is 404).'),
  AnchorIdPath: pathParam('anchorId', 'Anchor id.'),
};

function problemResponse(description: string): Json {
  return { description, content: { 'application/problem+json': { schema: schemaRef('Problem') } } };
}

const responses: Record<string, Json> = {
  BadRequest: problemResponse('Bad input: a malformed body, an unknown or invalid query parameter, a malformed date, a limit outside 1..200.'),
  Unauthorized: problemResponse('No token, or an unknown one.'),
  Forbidden: problemResponse('The token may not do this (admin only).'),
  NotFound: problemResponse('No such resource (also another key’s alert).'),
  Conflict: problemResponse('Conflict with the current state.'),
  PayloadTooLarge: problemResponse('The request body is over 1 MiB.'),
  TooManyRequests: {
    ...problemResponse('Too many requests; retry later.'),
    headers: { 'Retry-After': { description: 'Seconds to wait.', schema: int({ minimum: 0 }) } },
  },
  ServiceUnavailable: {
    ...problemResponse('The data store is unavailable.'),
    headers: { 'Retry-After': { description: 'Seconds to wait.', schema: int({ minimum: 0 }) } },
  },
};

const noContent = { description: 'Deleted.' };
const eventStream = (description: string): Json => media(description, 'text/event-stream', str());

// ---------------------------------------------------------------------------------------------
// Paths
// ---------------------------------------------------------------------------------------------

function paths(): Record<string, Json> {
  return {
    // -- operations -------------------------------------------------------------------------
    '/healthz': {
      get: operation({ operationId: 'getHealth', summary: 'Liveness: 200 while the process runs', tag: 'Operations', responses: { 200: json('Alive.', schemaRef('Health')) } }),
    },
    '/readyz': {
      get: operation({
        operationId: 'getReadiness',
        summary: 'Readiness: 200 when Redis answers, 503 otherwise',
        tag: 'Operations',
        responses: { 200: json('Ready.', schemaRef('Ready')) },
        problems: [503],
      }),
    },
    '/metrics': {
      get: operation({
        operationId: 'getMetrics',
        summary: 'Prometheus metrics',
        tag: 'Operations',
        responses: { 200: media('Prometheus text exposition format.', 'text/plain; version=0.0.4', str()) },
      }),
    },
    '/openapi.json': {
      get: operation({
        operationId: 'getOpenApi',
        summary: 'This OpenAPI 3.1 document',
        tag: 'Operations',
        responses: { 200: json('The OpenAPI document.', { type: 'object' }) },
      }),
    },
    '/admin/queues': {
      get: operation({
        operationId: 'getQueueDashboard',
        summary: 'The queue dashboard (Bull Board)',
        tag: 'Operations',
        description:
          'An HTML application; its own sub-routes under /admin/queues are part of the dashboard, not of this API. A valid admin token (Bearer or ?access_token=) is exchanged for an HttpOnly cookie scoped to /admin/queues; with ?access_token= the answer is a 303 to the same address without it.',
        admin: true,
        responses: {
          200: media('The dashboard page.', 'text/html'),
          303: { description: 'The token was taken from the query string and set as a cookie; follow Location.', headers: { Location: { schema: str() } } },
        },
      }),
    },
    '/': {
      get: operation({
        operationId: 'getDashboard',
        summary: 'The dashboard',
        tag: 'Pages',
        description:
          'The source piece with its entities, the live digest, coverage volume, alerts and feed health. Open with ?access_token=TOKEN. The page’s own scripts and stylesheets are static files beside it.',
        responses: { 200: media('The dashboard page.', 'text/html') },
      }),
    },

    '/vendor/uplot.iife.min.js': {
      get: operation({
        operationId: 'getUplotScript',
        summary: 'uPlot browser build, used by the dashboard’s volume chart',
        tag: 'Pages',
        responses: { 200: media('JavaScript.', 'text/javascript') },
      }),
    },
    '/vendor/uPlot.min.css': {
      get: operation({
        operationId: 'getUplotStylesheet',
        summary: 'uPlot stylesheet, used by the dashboard’s volume chart',
        tag: 'Pages',
        responses: { 200: media('CSS.', 'text/css') },
      }),
    },

    // -- keys -------------------------------------------------------------------------------
    '/api/keys': {
      post: operation({
        operationId: 'createKey',
        summary: 'Create a user key',
        tag: 'Keys',
        api: true,
        admin: true,
        requestBody: jsonBody(schemaRef('ApiKeyInput')),
        responses: { 201: json('The key, shown once.', schemaRef('ApiKey')) },
      }),
    },

    // -- feeds ------------------------------------------------------------------------------
    '/api/feeds': {
      get: operation({ operationId: 'listFeeds', summary: 'List feeds', tag: 'Feeds', api: true, responses: { 200: json('The feeds.', schemaRef('FeedList')) } }),
      post: operation({
        operationId: 'createFeed',
        summary: 'Register a feed (polled at once)',
        tag: 'Feeds',
        api: true,
        admin: true,
        description: '400 for a URL that is not http(s), carries credentials, or resolves to a refused address.',
        requestBody: jsonBody(schemaRef('FeedInput')),
        responses: {
          201: { ...json('The feed.', schemaRef('Feed')), headers: { Location: { description: 'The feed’s URL.', schema: str() } } },
          409: problemResponse('The URL is already registered; `id` names the existing feed.'),
        },
      }),
    },
    '/api/feeds/export': {
      get: operation({
        operationId: 'exportFeeds',
        summary: 'Export the feeds as OPML',
        tag: 'Feeds',
        api: true,
        responses: { 200: media('OPML 2.0 document.', 'text/x-opml', str()) },
      }),
    },
    '/api/feeds/import': {
      post: operation({
        operationId: 'importFeeds',
        summary: 'Import feeds from OPML',
        tag: 'Feeds',
        api: true,
        admin: true,
        description: 'A bad outline never fails the import: it is skipped and listed in `errors`.',
        requestBody: {
          required: true,
          description: 'An OPML document (any content type is read as text).',
          content: { 'text/x-opml': { schema: str() }, 'application/xml': { schema: str() }, 'text/xml': { schema: str() } },
        },
        responses: { 200: json('What was added and skipped.', schemaRef('OpmlImportResult')) },
      }),
    },
    '/api/feeds/{id}': {
      get: operation({
        operationId: 'getFeed',
        summary: 'Get a feed',
        tag: 'Feeds',
        api: true,
        parameters: [paramRef('FeedIdPath')],
        responses: { 200: json('The feed.', schemaRef('Feed')) },
        problems: [404],
      }),
      delete: operation({
        operationId: 'deleteFeed',
        summary: 'Delete a feed',
        tag: 'Feeds',
        api: true,
        admin: true,
        parameters: [paramRef('FeedIdPath')],
        responses: { 204: noContent },
        problems: [404],
      }),
    },
    '/api/feeds/{id}/poll': {
      post: operation({
        operationId: 'pollFeed',
        summary: 'Poll a feed now, whatever its schedule',
        tag: 'Feeds',
        api: true,
        admin: true,
        parameters: [paramRef('FeedIdPath')],
        responses: { 202: json('The poll is queued.', schemaRef('PollQueued')) },
        problems: [404],
      }),
    },

    // -- anchors ----------------------------------------------------------------------------
    '/api/anchors': {
      get: operation({ operationId: 'listAnchors', summary: 'List anchors (source pieces)', tag: 'Anchors', api: true, responses: { 200: json('The anchors.', schemaRef('AnchorList')) } }),
      post: operation({
        operationId: 'createAnchor',
        summary: 'Add a source piece; its entities are extracted',
        tag: 'Anchors',
        api: true,
        admin: true,
        requestBody: jsonBody(schemaRef('AnchorInput')),
        responses: { 201: { ...json('The anchor.', schemaRef('Anchor')), headers: { Location: { description: 'The anchor’s URL.', schema: str() } } } },
      }),
    },
    '/api/anchors/{id}': {
      get: operation({
        operationId: 'getAnchor',
        summary: 'Get an anchor',
        tag: 'Anchors',
        api: true,
        parameters: [paramRef('AnchorIdPathId')],
        responses: { 200: json('The anchor.', schemaRef('Anchor')) },
        problems: [404],
      }),
    },
    '/api/anchors/{id}/entities': {
      put: operation({
        operationId: 'replaceAnchorEntities',
        summary: 'Replace the entity list of an anchor',
        tag: 'Anchors',
        api: true,
        admin: true,
        description: 'Later items are tagged with the new list.',
        parameters: [paramRef('AnchorIdPathId')],
        requestBody: jsonBody(schemaRef('EntitiesInput')),
        responses: { 200: json('The anchor.', schemaRef('Anchor')) },
        problems: [404],
      }),
    },

    // -- items and digests ------------------------------------------------------------------
    '/api/items': {
      get: operation({
        operationId: 'listItems',
        summary: 'Every stored item, newest first, with its tags for one anchor',
        tag: 'Digest',
        api: true,
        parameters: [paramRef('AnchorIdQuery'), query('feedId', str({ minLength: 1, maxLength: 100 }), 'Only the items of this feed.'), paramRef('Limit'), paramRef('Cursor')],
        responses: { 200: json('A page of items.', schemaRef('ItemsPage')) },
        problems: [404],
      }),
    },
    '/api/digests/{anchorId}': {
      get: operation({
        operationId: 'getDigest',
        summary: 'The items relevant to a source piece, newest first',
        tag: 'Digest',
        api: true,
        parameters: [
          paramRef('AnchorIdPath'),
          paramRef('Limit'),
          paramRef('Cursor'),
          query('entity', str({ minLength: 1, maxLength: 100 }), 'Only items tagged with this entity key of the anchor.'),
          query('since', str({ format: 'date-time' }), 'Only items published at or after this time (ISO 8601 with a zone).'),
        ],
        responses: { 200: json('A page of the digest.', schemaRef('DigestPage')) },
        problems: [404],
      }),
    },
    '/api/digests/{anchorId}/stream': {
      get: operation({
        operationId: 'streamDigest',
        summary: 'The live digest as server-sent events',
        tag: 'Digest',
        api: true,
        description:
          '`event: item`, an `id:` per event, `data:` a DigestItem (JSON). Reconnecting with Last-Event-ID (header or ?lastEventId=) replays every missed item once, in order, then the live ones. A comment line at least every 15 s keeps the connection open.',
        parameters: [paramRef('AnchorIdPath'), paramRef('LastEventIdQuery'), paramRef('LastEventIdHeader'), paramRef('AccessToken')],
        responses: { 200: eventStream('Server-sent events; each `data:` is a DigestItem.') },
        problems: [404],
      }),
    },
    '/api/digests/{anchorId}/feed.atom': {
      get: operation({
        operationId: 'getDigestAtom',
        summary: 'The digest as an Atom feed',
        tag: 'Digest',
        api: true,
        parameters: [paramRef('AnchorIdPath'), paramRef('Limit'), paramRef('AccessToken')],
        responses: { 200: media('Atom 1.0 feed.', 'application/atom+xml', str()) },
        problems: [404],
      }),
    },
    '/api/digests/{anchorId}/feed.json': {
      get: operation({
        operationId: 'getDigestJsonFeed',
        summary: 'The digest as a JSON Feed 1.1',
        tag: 'Digest',
        api: true,
        parameters: [paramRef('AnchorIdPath'), paramRef('Limit'), paramRef('AccessToken')],
        responses: { 200: media('JSON Feed 1.1.', 'application/feed+json', schemaRef('JsonFeed')) },
        problems: [404],
      }),
    },

    // -- alerts -----------------------------------------------------------------------------
    '/api/alerts': {
      get: operation({ operationId: 'listAlerts', summary: 'The caller’s alerts', tag: 'Alerts', api: true, responses: { 200: json('The alerts.', schemaRef('AlertList')) } }),
      post: operation({
        operationId: 'createAlert',
        summary: 'Create a keyword or spike alert',
        tag: 'Alerts',
        api: true,
        description:
          'A syntax error in `query` answers 400 with `detail` naming its position (and `position`, `expected`). A generated webhook secret is returned once, here, as `webhook.secret`. 409 when the key already owns the maximum number of alerts.',
        requestBody: jsonBody(schemaRef('AlertInput')),
        responses: {
          201: { ...json('The alert.', schemaRef('Alert')), headers: { Location: { description: 'The alert’s URL.', schema: str() } } },
        },
        problems: [409],
      }),
    },
    '/api/alerts/stream': {
      get: operation({
        operationId: 'streamAlertHits',
        summary: 'Hits of the caller’s alerts as server-sent events',
        tag: 'Alerts',
        api: true,
        description: '`event: hit` per hit, with the same Last-Event-ID promise as the digest stream.',
        parameters: [paramRef('LastEventIdQuery'), paramRef('LastEventIdHeader'), paramRef('AccessToken')],
        responses: { 200: eventStream('Server-sent events; each `data:` is a hit.') },
      }),
    },
    '/api/alerts/{id}': {
      get: operation({
        operationId: 'getAlert',
        summary: 'Get one of the caller’s alerts',
        tag: 'Alerts',
        api: true,
        parameters: [paramRef('AlertIdPath')],
        responses: { 200: json('The alert.', schemaRef('Alert')) },
        problems: [404],
      }),
      delete: operation({
        operationId: 'deleteAlert',
        summary: 'Delete one of the caller’s alerts',
        tag: 'Alerts',
        api: true,
        parameters: [paramRef('AlertIdPath')],
        responses: { 204: noContent },
        problems: [404],
      }),
    },
    '/api/alerts/{id}/hits': {
      get: operation({
        operationId: 'listAlertHits',
        summary: 'Hits of an alert, newest first',
        tag: 'Alerts',
        api: true,
        parameters: [paramRef('AlertIdPath'), paramRef('Limit')],
        responses: { 200: json('The hits.', schemaRef('AlertHitList')) },
        problems: [404],
      }),
    },
    '/api/alerts/{id}/deliveries': {
      get: operation({
        operationId: 'listAlertDeliveries',
        summary: 'Webhook deliveries of an alert',
        tag: 'Alerts',
        api: true,
        description: 'A delivery that exhausted its retries stays listed as failed.',
        parameters: [paramRef('AlertIdPath'), paramRef('Limit')],
        responses: { 200: json('The deliveries.', schemaRef('DeliveryList')) },
        problems: [404],
      }),
    },

    // -- volume -----------------------------------------------------------------------------
    '/api/volume': {
      get: operation({
        operationId: 'getVolume',
        summary: 'Coverage volume over time, per entity and per query',
        tag: 'Volume',
        api: true,
        parameters: [
          paramRef('AnchorIdQuery'),
          query('entities', str({ maxLength: 2000 }), 'Comma-separated entity keys; every entity of the anchor when omitted (and no q).'),
          query('q', str({ minLength: 1 }), 'A query in the alert query language; adds a series with key "q" (CSV column `q=QUERY`). 400 when the range holds more items than VOLUME_QUERY_MAX_ITEMS; 503 with Retry-After when the process already runs EXPENSIVE_READ_CONCURRENCY such scans.'),
          query('interval', { type: 'string', enum: ['minute', 'hour', 'day'], default: 'hour' }, 'Bucket size.'),
          paramRef('From'),
          paramRef('To'),
          query('tz', str({ maxLength: 64, default: 'UTC' }), 'IANA time zone for day buckets (DST-aware).'),
          query('normalize', { type: 'string', enum: ['share'] }, 'Add each point’s share of all digest items in its bucket.'),
          query('format', { type: 'string', enum: ['json', 'csv'], default: 'json' }, 'csv gives the same data as CSV (one column per series; with normalize=share, `<key>_share` columns after the counts).'),
        ],
        responses: {
          200: {
            description: 'The series (JSON), or the same as CSV with format=csv.',
            content: { 'application/json': { schema: schemaRef('VolumeResponse') }, 'text/csv': { schema: str() } },
          },
        },
        problems: [404, 503],
      }),
    },
    '/api/volume/top': {
      get: operation({
        operationId: 'getTopCoverage',
        summary: 'Share of voice: most covered entities, or outlets',
        tag: 'Volume',
        api: true,
        parameters: [
          paramRef('AnchorIdQuery'),
          paramRef('From'),
          paramRef('To'),
          query('by', { type: 'string', enum: ['entity', 'source'], default: 'entity' }, 'Rank entities, or the feeds that carried the digest’s stories.'),
          paramRef('Limit'),
        ],
        responses: { 200: json('Most covered first.', { oneOf: [schemaRef('TopEntities'), schemaRef('TopSources')] }) },
        problems: [404, 503],
      }),
    },
  };
}

/** The OpenAPI 3.1 document of the API. */
export function buildOpenApiDocument(opts: { serverUrl?: string } = {}): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    info: {
      title: 'Anchorwatch',
      version,
      summary: 'Media-monitoring feed aggregator anchored on a source piece.',
      description:
        'Polls news feeds, tags entities of a source piece, scores relevance, and serves a live digest, alerts and coverage volume. ' +
        'JSON everywhere; errors are application/problem+json. Every /api route needs a token (Authorization: Bearer TOKEN, or ?access_token=TOKEN); ' +
        'the admin token may do everything, a user key may read feeds, anchors, digests and volume, and manage its own alerts. ' +
        'Query parameters are validated strictly: an unknown parameter, a bad value or a malformed date answers 400.',
    },
    servers: [{ url: opts.serverUrl ?? '/' }],
    tags: [
      { name: 'Keys' },
      { name: 'Feeds' },
      { name: 'Anchors' },
      { name: 'Digest' },
      { name: 'Alerts' },
      { name: 'Volume' },
      { name: 'Operations' },
      { name: 'Pages' },
    ],
    paths: paths(),
    webhooks: {
      alertHit: {
        post: {
          operationId: 'alertHitWebhook',
          summary: 'A keyword alert fired',
          description:
            'Signed per Standard Webhooks: webhook-id (same on every retry), webhook-timestamp (Unix seconds), webhook-signature (v1, + base64 HMAC-SHA256 over id.timestamp.body). Non-2xx or a timeout is retried with exponential backoff.',
          requestBody: jsonBody(schemaRef('AlertHitWebhook')),
          responses: { '2XX': { description: 'Delivered.' } },
        },
      },
      alertSpike: {
        post: {
          operationId: 'alertSpikeWebhook',
          summary: 'A spike alert fired',
          requestBody: jsonBody(schemaRef('AlertSpikeWebhook')),
          responses: { '2XX': { description: 'Delivered.' } },
        },
      },
    },
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'The admin token or a user key.' },
        accessToken: { type: 'apiKey', in: 'query', name: 'access_token', description: 'The same token in the query string (EventSource, feed readers).' },
      },
      schemas,
      parameters,
      responses,
    },
  };
}
