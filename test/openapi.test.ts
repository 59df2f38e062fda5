import express from 'express';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildOpenApiDocument } from '../src/api/openapi.ts';
import { createAlertBody, spikeBody } from '../src/api/schemas/alerts.ts';
import { createFeedBody } from '../src/api/schemas/feeds.ts';
import { compileAnchor, tagItem } from '../src/tagging/compile-anchor.ts';
import { loadAnchorSources } from '../src/tagging/anchor-file.ts';
import { rssOf, startFeedServer, type FeedServer } from './helpers/feed-server.ts';
import { asFeedItem, labelledItems } from './helpers/labelled-items.ts';
import { uniquePrefix } from './helpers/redis-prefix.ts';
import { startTestApp, waitFor, type TestApp } from './helpers/start-app.ts';

// The OpenAPI document is generated from the zod schemas and the route table
// (src/api/openapi-routes.ts); these tests hold it against the real app: every route the
// Express app serves is documented, every documented operation is served, and real answers
// match its schemas. Zod writes the JSON Schema and the generator builds the path parameters
// from the templates, so only what the route table decides is checked structurally here.

type Json = Record<string, any>;

const doc = buildOpenApiDocument({}) as Json;
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;


/** Third-party UIs whose internal sub-routes are not part of the API: only the mount is documented. */
const OPAQUE_MOUNTS = new Set(['/admin/queues']);

// ---------------------------------------------------------------------------------------------
// Walking the Express 5 router stack
// ---------------------------------------------------------------------------------------------

/** A (method, path) the app serves; method '*' for a mount or middleware that answers any method. */
interface Served {
  method: string;
  /** OpenAPI form: `/api/feeds/{id}`. */
  path: string;
}

function joinPaths(base: string, path: string): string {
  const joined = `${base}/${path}`.replace(/\/{2,}/g, '/');
  return joined.length > 1 ? joined.replace(/\/+$/, '') : '/';
}

/** Expands path-to-regexp v8 optional groups `{...}` into every variant. */
function expandOptional(path: string): string[] {
  const match = /\{([^{}]*)\}/.exec(path);
  if (!match) return [path];
  const before = path.slice(0, match.index);
  const after = path.slice(match.index + match[0].length);
  return [...expandOptional(before + match[1] + after), ...expandOptional(before + after)];
}

/** Express `/feeds/:id` (path-to-regexp v8) to OpenAPI `/feeds/{id}`; `*rest` wildcards to `{rest}`. */
function toOpenApiPaths(expressPath: string): string[] {
  return expandOptional(expressPath).map((p) => p.replace(/[:*]([A-Za-z_$][\w$]*)/g, '{$1}'));
}

/** Every (method, path) of an Express 5 app: routes, and routers nested with `use(path, router)`. */
function servedRoutes(app: { router: { stack: unknown[] } }): Served[] {
  const out: Served[] = [];
  const walk = (stack: any[], prefix: string) => {
    for (const layer of stack) {
      const raw: unknown = layer.rawPath;
      const rawPaths = Array.isArray(raw) ? raw : [raw];
      for (const rawPath of rawPaths) {
        if (typeof rawPath !== 'string') {
          // A RegExp path (or a router version without rawPath) cannot be matched to a template: fail loudly.
          throw new Error(`cannot read the path of layer ${layer.name} under ${prefix || '/'}: ${String(rawPath)}`);
        }
        // The prefix is already in OpenAPI form; only this layer's own path is converted.
        for (const path of toOpenApiPaths(rawPath).map((p) => joinPaths(prefix, p))) {
          if (layer.route) {
            for (const [method, on] of Object.entries(layer.route.methods as Record<string, boolean>)) {
              if (on) out.push({ method: method === '_all' ? '*' : method.toLowerCase(), path });
            }
          } else if (Array.isArray(layer.handle?.stack)) {
            if (OPAQUE_MOUNTS.has(path)) out.push({ method: '*', path });
            else walk(layer.handle.stack, path);
          } else if (rawPath !== '/' && rawPath !== '') {
            // Plain middleware (or a mounted sub-app) at a path of its own answers that path;
            // path-less middleware (body parsers, auth, express.static) serves no route of its own.
            out.push({ method: '*', path });
          }
        }
      }
    }
  };
  walk(app.router.stack as any[], '');
  return out;
}

/** Served routes the document does not describe. */
function undocumented(served: Served[], document: Json): string[] {
  return served
    .filter(({ method, path }) => {
      const item = document.paths?.[path];
      if (!item) return true;
      return method !== '*' && !item[method];
    })
    .map(({ method, path }) => `${method.toUpperCase()} ${path}`);
}

/** Documented operations as `METHOD /path`. */
function documentedOperations(document: Json): Array<{ method: string; path: string }> {
  return Object.entries(document.paths as Json).flatMap(([path, item]) =>
    HTTP_METHODS.filter((m) => (item as Json)[m]).map((method) => ({ method, path })),
  );
}

// ---------------------------------------------------------------------------------------------
// References and schemas
// ---------------------------------------------------------------------------------------------

/** Resolves a local JSON pointer (`#/components/...`). */
function resolvePointer(document: Json, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = document;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof node !== 'object' || node === null || !(key in node)) return undefined;
    node = (node as Json)[key];
  }
  return node;
}

/** Follows `$ref` until a concrete object. */
function deref<T = Json>(node: Json): T {
  let current = node;
  for (let i = 0; current && typeof current.$ref === 'string' && i < 20; i++) current = resolvePointer(doc, current.$ref) as Json;
  return current as T;
}

/** Every `$ref` in a document, with where it was found. */
function allRefs(node: unknown, at = '#'): Array<{ ref: string; at: string }> {
  if (Array.isArray(node)) return node.flatMap((v, i) => allRefs(v, `${at}/${i}`));
  if (typeof node !== 'object' || node === null) return [];
  return Object.entries(node).flatMap(([k, v]) => (k === '$ref' && typeof v === 'string' ? [{ ref: v, at }] : allRefs(v, `${at}/${k}`)));
}

const defs = JSON.parse(JSON.stringify(doc.components.schemas).replaceAll('"#/components/schemas/', '"#/$defs/')) as Json;

/** A zod validator of a documented schema (components refs rewritten to $defs). */
function validatorOf(schema: Json): z.ZodType {
  const rewritten = JSON.parse(JSON.stringify(schema).replaceAll('"#/components/schemas/', '"#/$defs/')) as Json;
  return z.fromJSONSchema({ ...rewritten, $defs: defs } as any);
}

// ---------------------------------------------------------------------------------------------
// Against the real app
// ---------------------------------------------------------------------------------------------

let app: TestApp;
let server: FeedServer;
let served: Served[];
const ANCHOR = 'muscat-talks';

/** Checks one real answer against the document: status documented, media type documented, body valid. */
async function conforms(method: string, template: string, res: Response): Promise<any> {
  const operation = doc.paths[template]?.[method] as Json | undefined;
  expect(operation, `${method.toUpperCase()} ${template} is documented`).toBeDefined();
  const response = operation!.responses[String(res.status)] as Json | undefined;
  expect(response, `${method.toUpperCase()} ${template} documents status ${res.status}`).toBeDefined();
  const resolved = deref(response!);
  const text = await res.text();
  if (!resolved.content) {
    // A redirect may carry a courtesy text; anything else documented without content has none.
    if (res.status < 300 || res.status >= 400) expect(text, `${method.toUpperCase()} ${template} ${res.status} has no body`).toBe('');
    return null;
  }
  const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
  const media = Object.entries(resolved.content as Json).find(([t]) => t.split(';')[0]!.trim() === type)?.[1] as Json | undefined;
  expect(media, `${method.toUpperCase()} ${template} ${res.status} documents ${type}`).toBeDefined();
  if (!/json$/.test(type)) return text;
  const body = JSON.parse(text);
  const result = validatorOf(media!.schema).safeParse(body);
  expect(result.success ? [] : result.error.issues, `${method.toUpperCase()} ${template} ${res.status} body matches its schema`).toEqual([]);
  return body;
}

describe('the OpenAPI document against the real app', () => {
  beforeAll(async () => {
    server = await startFeedServer();
    const [source] = await loadAnchorSources('config/anchors');
    const compiled = compileAnchor(source!);
    const all = labelledItems();
    const relevant = all.filter((i) => tagItem(compiled, i).relevant).slice(0, 3);
    const other = all.filter((i) => !tagItem(compiled, i).relevant).slice(0, 2);
    const rss = rssOf('OpenAPI Wire', [...relevant, ...other].map((i) => asFeedItem(i)));
    server.route('/wire.xml', (_q, r) => r.end(rss));
    // The same items under a second feed: the digest then shows alsoReportedBy entries.
    server.route('/mirror.xml', (_q, r) => r.end(rssOf('OpenAPI Mirror', relevant.map((i) => asFeedItem(i)))));
    app = await startTestApp(uniquePrefix('openapi'));
    // The server's listener is the stream fast path; the Express app it hands everything else to is its `app`.
    const listener = app.running.server!.listeners('request')[0] as unknown as { app?: { router: { stack: unknown[] } } };
    const handler = listener.app!;
    served = servedRoutes(handler);
  });

  afterAll(async () => {
    await app?.stop();
    await server?.close();
  });

  it('finds the routes of the real app (the walk is not vacuous)', () => {
    const names = served.map((s) => `${s.method.toUpperCase()} ${s.path}`);
    for (const known of ['GET /healthz', 'GET /readyz', 'POST /api/feeds', 'GET /api/feeds/{id}', 'GET /api/digests/{anchorId}/feed.atom', 'GET /api/volume/top']) {
      expect(names).toContain(known);
    }
    expect(served.length).toBeGreaterThanOrEqual(30);
  });

  it('documents every (method, path) the app serves', () => {
    expect(undocumented(served, doc)).toEqual([]);
  });

  it('notices a route missing from the document', () => {
    // The check above, against a copy of the document with one path taken out.
    const copy = structuredClone(doc);
    delete copy.paths['/api/alerts/{id}/deliveries'];
    delete copy.paths['/api/feeds/{id}'].delete;
    expect(undocumented(served, copy)).toEqual(['DELETE /api/feeds/{id}', 'GET /api/alerts/{id}/deliveries']);
  });

  it('notices a route newly added to a nested router, as create-app.ts nests them', () => {
    const extra = express();
    const api = express.Router();
    const things = express.Router();
    things.get('/:thingId/extra', (_req, res) => void res.end());
    things.post('{/:thingId}/optional', (_req, res) => void res.end());
    api.use(express.json());
    api.use('/things', things);
    extra.use('/api', api);
    extra.get('/healthz', (_req, res) => void res.end());
    expect(undocumented(servedRoutes(extra), doc)).toEqual(['GET /api/things/{thingId}/extra', 'POST /api/things/{thingId}/optional', 'POST /api/things/optional']);
  });

  it('serves every documented operation', () => {
    const missing = documentedOperations(doc)
      .filter(({ method, path }) => !served.some((s) => s.path === path && (s.method === method || s.method === '*')))
      .map(({ method, path }) => `${method.toUpperCase()} ${path}`);
    expect(missing).toEqual([]);
  });

  it('never answers "No such route" to a documented operation', async () => {
    const params: Record<string, string> = { id: 'no-such-id', anchorId: 'no-such-anchor' };
    for (const { method, path } of documentedOperations(doc)) {
      const url = path.replace(/\{(\w+)\}/g, (_m, name: string) => params[name] ?? 'x');
      const controller = new AbortController();
      const res = await app.api(url, {
        method: method.toUpperCase(),
        signal: controller.signal,
        ...(method === 'post' || method === 'put' ? { body: '{}' } : {}),
      });
      const text = res.headers.get('content-type')?.includes('event-stream') ? '' : await res.text();
      controller.abort();
      const label = `${method.toUpperCase()} ${path} → ${res.status} ${text.slice(0, 200)}`;
      expect(res.status < 500, label).toBe(true);
      if (res.status === 404) {
        expect(res.headers.get('content-type'), label).toMatch(/application\/problem\+json/);
        expect(JSON.parse(text).detail, label).not.toBe('No such route.');
      }
    }
  });

  it('answers with the statuses, media types and schemas it documents', async () => {
    const call = (path: string, init?: Parameters<TestApp['api']>[1]) => app.api(path, init);
    const post = (path: string, body: unknown, token?: string | null) => call(path, { method: 'POST', body: JSON.stringify(body), ...(token !== undefined ? { token } : {}) });

    await conforms('get', '/healthz', await fetch(`${app.base}/healthz`));
    await conforms('get', '/readyz', await fetch(`${app.base}/readyz`));
    expect(await conforms('get', '/metrics', await fetch(`${app.base}/metrics`))).toMatch(/^# (HELP|TYPE) /m);
    await conforms('get', '/', await fetch(`${app.base}/`));
    await conforms('get', '/vendor/uplot.iife.min.js', await fetch(`${app.base}/vendor/uplot.iife.min.js`));
    await conforms('get', '/vendor/uPlot.min.css', await fetch(`${app.base}/vendor/uPlot.min.css`));
    await conforms('get', '/admin/queues', await fetch(`${app.base}/admin/queues`));
    await conforms('get', '/admin/queues', await fetch(`${app.base}/admin/queues?access_token=${app.token}`, { redirect: 'manual' }));
    await conforms('get', '/admin/queues', await call('/admin/queues'));
    if (served.some((s) => s.path === '/openapi.json')) {
      expect(await conforms('get', '/openapi.json', await fetch(`${app.base}/openapi.json`))).toMatchObject({ openapi: '3.1.0', paths: doc.paths });
    }

    // Feeds
    const feed = await conforms('post', '/api/feeds', await post('/api/feeds', { url: server.url('/wire.xml'), title: 'Wire' }));
    const mirror = await conforms('post', '/api/feeds', await post('/api/feeds', { url: server.url('/mirror.xml') }));
    const conflict = await conforms('post', '/api/feeds', await post('/api/feeds', { url: server.url('/wire.xml') }));
    expect(conflict.id).toBe(feed.id);
    await conforms('post', '/api/feeds', await post('/api/feeds', { url: 'ftp://example.com/x' }));
    await conforms('get', '/api/feeds', await call('/api/feeds'));
    await conforms('get', '/api/feeds/{id}', await call(`/api/feeds/${feed.id}`));
    await conforms('get', '/api/feeds/{id}', await call('/api/feeds/nope'));
    await conforms('get', '/api/feeds', await call('/api/feeds', { token: null }));
    await conforms('get', '/api/feeds', await call('/api/feeds?unknown=1'));
    await conforms('get', '/api/feeds/export', await call('/api/feeds/export'));
    const opml = `<?xml version="1.0"?><opml version="2.0"><head><title>x</title></head><body><outline type="rss" text="Wire" xmlUrl="${server.url('/wire.xml')}"/></body></opml>`;
    const imported = await conforms('post', '/api/feeds/import', await call('/api/feeds/import', { method: 'POST', body: opml, headers: { 'content-type': 'text/x-opml' } }));
    expect(imported).toMatchObject({ added: 0, skipped: 1 });
    await conforms('post', '/api/feeds', await call('/api/feeds', { method: 'POST', body: JSON.stringify({ url: 'x'.repeat(1_100_000) }) }));

    // Keys and a user key's limits
    const key = await conforms('post', '/api/keys', await post('/api/keys', { name: 'openapi-reader' }));
    await conforms('post', '/api/feeds', await post('/api/feeds', { url: server.url('/other.xml') }, key.key));
    await conforms('get', '/api/feeds', await call('/api/feeds', { token: key.key }));
    await conforms('get', '/admin/queues', await call('/admin/queues', { token: key.key }));

    // Items and the digest, once the feeds are polled
    await waitFor(async () => {
      const res = await app.json<{ items: Array<{ alsoReportedBy: unknown[] }> }>(`/api/digests/${ANCHOR}?limit=200`);
      return res.body.items.length > 0 && res.body.items.some((i) => i.alsoReportedBy.length > 0);
    }, 20_000);
    expect((await call(`/api/feeds/${mirror.id}`)).status).toBe(200);
    const items = await conforms('get', '/api/items', await call('/api/items?limit=200'));
    expect(items.items.some((i: { relevant: boolean }) => !i.relevant)).toBe(true);
    await conforms('get', '/api/items', await call(`/api/items?anchorId=${ANCHOR}&feedId=${feed.id}&limit=2`));
    await conforms('get', '/api/items', await call('/api/items?limit=0'));
    await conforms('get', '/api/items', await call('/api/items?cursor=bogus'));
    const digest = await conforms('get', '/api/digests/{anchorId}', await call(`/api/digests/${ANCHOR}?limit=1`));
    expect(digest.items.length).toBe(1);
    await conforms('get', '/api/digests/{anchorId}', await call(`/api/digests/${ANCHOR}?since=yesterday`));
    await conforms('get', '/api/digests/{anchorId}', await call('/api/digests/no-such-anchor'));
    await conforms('get', '/api/digests/{anchorId}/feed.atom', await call(`/api/digests/${ANCHOR}/feed.atom`));
    await conforms('get', '/api/digests/{anchorId}/feed.json', await call(`/api/digests/${ANCHOR}/feed.json?limit=5`));

    // Anchors
    await conforms('get', '/api/anchors', await call('/api/anchors'));
    const anchor = await conforms('get', '/api/anchors/{id}', await call(`/api/anchors/${ANCHOR}`));
    expect(anchor.entities.length).toBeGreaterThan(0);
    const created = await conforms('post', '/api/anchors', await post('/api/anchors', { title: 'OpenAPI anchor', text: 'Talks in Muscat between Oman and Iran.' }));
    await conforms('put', '/api/anchors/{id}/entities', await call(`/api/anchors/${created.id}/entities`, { method: 'PUT', body: JSON.stringify({ entities: [{ name: 'Muscat', kind: 'place' }] }) }));
    await conforms('put', '/api/anchors/{id}/entities', await call(`/api/anchors/${created.id}/entities`, { method: 'PUT', body: JSON.stringify({ entities: [{ name: 'Muscat', kind: 'city' }] }) }));
    await conforms('post', '/api/anchors', await post('/api/anchors', { title: 'x', text: 'y' }, key.key));

    // Alerts
    const entityKey = anchor.entities[0].key as string;
    const keyword = await conforms('post', '/api/alerts', await post('/api/alerts', { name: 'talks', query: 'talks OR Muscat', webhook: { url: server.url('/hook') } }));
    expect(keyword.webhook.secret).toMatch(/^whsec_/);
    const spike = await conforms('post', '/api/alerts', await post('/api/alerts', { name: 'surge', spike: { entity: entityKey, windowMinutes: 60, baselineHours: 24, factor: 3, minCount: 5 } }));
    const syntax = await conforms('post', '/api/alerts', await post('/api/alerts', { name: 'bad', query: 'talks AND (' }));
    expect(typeof syntax.position).toBe('number');
    await conforms('get', '/api/alerts', await call('/api/alerts'));
    await conforms('get', '/api/alerts/{id}', await call(`/api/alerts/${keyword.id}`));
    await conforms('get', '/api/alerts/{id}', await call(`/api/alerts/${spike.id}`));
    await conforms('get', '/api/alerts/{id}', await call(`/api/alerts/${keyword.id}`, { token: key.key }));
    await conforms('get', '/api/alerts/{id}/hits', await call(`/api/alerts/${keyword.id}/hits?limit=10`));
    await conforms('get', '/api/alerts/{id}/deliveries', await call(`/api/alerts/${keyword.id}/deliveries`));
    await conforms('delete', '/api/alerts/{id}', await call(`/api/alerts/${spike.id}`, { method: 'DELETE' }));

    // Volume
    const volume = await conforms('get', '/api/volume', await call(`/api/volume?anchorId=${ANCHOR}&interval=day&q=talks&normalize=share`));
    expect(volume.series.length).toBeGreaterThan(0);
    await conforms('get', '/api/volume', await call('/api/volume?format=csv&interval=hour'));
    await conforms('get', '/api/volume', await call('/api/volume?interval=week'));
    await conforms('get', '/api/volume', await call('/api/volume?from=2024-13-45'));
    await conforms('get', '/api/volume/top', await call('/api/volume/top'));
    await conforms('get', '/api/volume/top', await call('/api/volume/top?by=source&limit=5'));

    // Polling and deleting a feed
    await conforms('post', '/api/feeds/{id}/poll', await call(`/api/feeds/${mirror.id}/poll`, { method: 'POST' }));
    await conforms('post', '/api/feeds/{id}/poll', await call('/api/feeds/nope/poll', { method: 'POST' }));
    await conforms('delete', '/api/feeds/{id}', await call(`/api/feeds/${mirror.id}`, { method: 'DELETE' }));
  });
});

// ---------------------------------------------------------------------------------------------
// Structural checks of what the route table decides (no OpenAPI validator is installed)
// ---------------------------------------------------------------------------------------------

describe('the document is well-formed OpenAPI 3.1', () => {
  const operations = (): Array<{ where: string; op: Json }> =>
    [...Object.entries(doc.paths as Json), ...Object.entries((doc.webhooks ?? {}) as Json).map(([name, item]) => [`webhook ${name}`, item] as const)].flatMap(
      ([where, item]) => HTTP_METHODS.filter((m) => (item as Json)[m]).map((m) => ({ where: `${m.toUpperCase()} ${where}`, op: (item as Json)[m] as Json })),
    );

  it('is OpenAPI 3.1.0 with info, servers and paths', () => {
    const { version } = createRequire(import.meta.url)('../package.json') as { version: string };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: 'Anchorwatch', version });
    expect(Array.isArray(doc.servers) && doc.servers.length > 0).toBe(true);
    expect(Object.keys(doc.paths).length).toBeGreaterThan(20);
    for (const path of Object.keys(doc.paths)) expect(path, path).toMatch(/^\//);
    // It is plain JSON: nothing is lost in serialisation.
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
  });

  it('resolves every $ref', () => {
    const refs = allRefs(doc);
    expect(refs.length).toBeGreaterThan(50);
    expect(refs.filter(({ ref }) => resolvePointer(doc, ref) === undefined)).toEqual([]);
  });

  it('has no two paths that differ only in parameter names', () => {
    const shapes = Object.keys(doc.paths).map((p) => p.replace(/\{[^}]+\}/g, '{}'));
    expect(shapes.length).toBe(new Set(shapes).size);
  });

  it('gives every operation a unique operationId and a success answer', () => {
    const ids = operations().map(({ op }) => op.operationId as string);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
    const without = operations().filter(({ op }) => !Object.keys(op.responses).some((s) => /^2/.test(s)));
    expect(without.map(({ where }) => where)).toEqual([]);
  });

  it('has schemas that compile as JSON Schema 2020-12', () => {
    for (const name of Object.keys(doc.components.schemas)) expect(() => validatorOf({ $ref: `#/components/schemas/${name}` }), name).not.toThrow();
  });
});

// ---------------------------------------------------------------------------------------------
// What the contract names
// ---------------------------------------------------------------------------------------------

describe('buildOpenApiDocument', () => {
  const op = (path: string, method: string): Json => doc.paths[path][method];
  const mediaTypes = (path: string, method: string, status: string): string[] => Object.keys(deref(op(path, method).responses[status]).content ?? {});

  it('takes the server URL', () => {
    const withServer = buildOpenApiDocument({ serverUrl: 'https://aw.example' }) as Json;
    expect(withServer.servers).toEqual([{ url: 'https://aw.example' }]);
    expect(withServer.paths).toEqual(doc.paths);
  });

  it('has the contract’s schemas', () => {
    for (const name of ['Feed', 'Anchor', 'Entity', 'DigestItem', 'ItemWithRelevance', 'Alert', 'KeywordAlert', 'SpikeAlert', 'AlertHit', 'Delivery', 'VolumeSeries', 'VolumeResponse', 'TopEntities', 'TopSources', 'Problem', 'ApiKey']) {
      expect(doc.components.schemas[name], name).toBeDefined();
    }
    const item = validatorOf({ $ref: '#/components/schemas/DigestItem' });
    const sample = {
      id: 'i1',
      title: 'Talks in Muscat',
      link: 'https://news.example/a',
      source: { feedId: 'f1', title: 'Wire' },
      publishedAt: '2025-01-01T00:00:00.000Z',
      firstSeenAt: '2025-01-01T00:00:01.000Z',
      score: 0.8,
      entities: [{ key: 'place:muscat', name: 'Muscat', kind: 'place', count: 2 }],
      snippet: 'Talks…',
      why: { score: 0.8, threshold: 0.5, evidence: [{ kind: 'entity', name: 'Muscat', weight: 0.6 }], judged: null },
      alsoReportedBy: [{ feedId: 'f2', title: null, link: 'https://other.example/a' }],
      fullText: false,
    };
    expect(item.safeParse(sample).success).toBe(true);
    expect(item.safeParse({ ...sample, why: { ...sample.why, evidence: [{ kind: 'rumour', name: 'x', weight: 1 }] } }).success).toBe(false);
    expect(item.safeParse({ ...sample, alsoReportedBy: undefined }).success).toBe(false);
    expect(validatorOf({ $ref: '#/components/schemas/ItemWithRelevance' }).safeParse({ ...sample, relevant: true }).success).toBe(true);
    expect(validatorOf({ $ref: '#/components/schemas/ItemWithRelevance' }).safeParse(sample).success).toBe(false);
    const problem = doc.components.schemas.Problem;
    expect(Object.keys(problem.properties)).toEqual(expect.arrayContaining(['type', 'title', 'status', 'detail', 'code', 'errors', 'position', 'expected']));
  });

  it('documents what the request schemas check beyond their types (refinements described by hand)', () => {
    // The document comes from the validating schemas; only `.meta()` beside a refinement is
    // written by hand. Documented and validating schemas must agree on each sample.
    const secret = `whsec_${Buffer.alloc(24, 7).toString('base64')}`;
    const spike = { windowMinutes: 60, baselineHours: 24, factor: 3, minCount: 5 };
    const cases: Array<[string, z.ZodType, unknown, boolean]> = [
      ['AlertInput', createAlertBody, { name: 'a', query: 'talks' }, true],
      ['AlertInput', createAlertBody, { name: 'a', spike: { entity: 'place:muscat', ...spike } }, true],
      ['AlertInput', createAlertBody, { name: 'a', query: 'talks', spike: { entity: 'place:muscat', ...spike } }, false],
      ['AlertInput', createAlertBody, { name: 'a' }, false],
      ['AlertInput', createAlertBody, { name: 'a', query: 'talks', webhook: { url: 'https://hooks.example/x', secret } }, true],
      ['AlertInput', createAlertBody, { name: 'a', query: 'talks', webhook: { url: 'https://hooks.example/x', secret: 'not-a-secret' } }, false],
      ['SpikeRule', spikeBody, { query: 'talks', ...spike }, true],
      ['SpikeRule', spikeBody, { entity: 'place:muscat', query: 'talks', ...spike }, false],
      ['SpikeRule', spikeBody, { ...spike }, false],
      ['SpikeRule', spikeBody, { entity: 'place:muscat', ...spike, windowMinutes: 0 }, false],
      ['FeedInput', createFeedBody, { url: 'https://news.example/feed.xml', intervalSeconds: 60 }, true],
      ['FeedInput', createFeedBody, { url: 'https://news.example/feed.xml', intervalSeconds: 86_401 }, false],
    ];
    for (const [name, schema, sample, valid] of cases) {
      const label = `${name} ${JSON.stringify(sample)}`;
      expect(schema.safeParse(sample).success, `${label} (validating schema)`).toBe(valid);
      expect(validatorOf({ $ref: `#/components/schemas/${name}` }).safeParse(sample).success, `${label} (document)`).toBe(valid);
    }
  });

  it('secures /api with a bearer token or ?access_token=', () => {
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.securitySchemes.accessToken).toMatchObject({ type: 'apiKey', in: 'query', name: 'access_token' });
    expect(op('/api/feeds', 'get').security).toEqual([{ bearerAuth: [] }, { accessToken: [] }]);
    expect(op('/healthz', 'get').security).toEqual([]);
    expect(op('/admin/queues', 'get').responses['403']).toBeDefined();
  });

  it('describes paging, problems and media types as the contract does', () => {
    const limit = (op('/api/digests/{anchorId}', 'get').parameters as Json[]).find((p) => p.name === 'limit')!;
    expect(limit).toMatchObject({ in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } });
    for (const [status, name] of Object.entries({ 400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 409: 'Conflict', 413: 'PayloadTooLarge', 429: 'TooManyRequests', 503: 'ServiceUnavailable' })) {
      expect(Object.keys(doc.components.responses[name].content), status).toEqual(['application/problem+json']);
    }
    expect(op('/api/feeds', 'post').responses).toMatchObject({ 201: expect.anything(), 400: expect.anything(), 401: expect.anything(), 403: expect.anything(), 409: expect.anything(), 413: expect.anything() });
    expect(op('/readyz', 'get').responses['503']).toBeDefined();
    expect(mediaTypes('/api/digests/{anchorId}/stream', 'get', '200')).toEqual(['text/event-stream']);
    expect(mediaTypes('/api/alerts/stream', 'get', '200')).toEqual(['text/event-stream']);
    expect(mediaTypes('/api/digests/{anchorId}/feed.atom', 'get', '200')).toEqual(['application/atom+xml']);
    expect(mediaTypes('/api/digests/{anchorId}/feed.json', 'get', '200')).toEqual(['application/feed+json']);
    expect(mediaTypes('/api/volume', 'get', '200')).toEqual(['application/json', 'text/csv']);
    expect(mediaTypes('/api/feeds/export', 'get', '200')).toEqual(['text/x-opml']);
    expect(Object.keys(deref(op('/api/feeds/import', 'post').requestBody).content)).toContain('text/x-opml');
    expect(mediaTypes('/metrics', 'get', '200')[0]).toMatch(/^text\/plain/);
    expect(mediaTypes('/', 'get', '200')).toEqual(['text/html']);
    const volumeParams = (op('/api/volume', 'get').parameters as Json[]).map((p) => deref(p));
    expect(volumeParams.find((p) => p.name === 'interval')!.schema.enum).toEqual(['minute', 'hour', 'day']);
    expect(volumeParams.find((p) => p.name === 'from')!.schema.format).toBe('date-time');
  });
});
