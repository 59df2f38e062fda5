import { createRequire } from 'node:module';
import { z } from 'zod';
import { routes, webhooks, type Content, type ResponseDoc, type RouteDoc } from './openapi-routes.ts';
import { queryParamDocs } from './schemas/common.ts';

/**
 * The OpenAPI 3.1 description of the HTTP API, served at GET /openapi.json.
 *
 * Generated: the schemas are the zod schemas of src/api/schemas/ (the same ones the routes
 * validate with), converted by zod's own JSON Schema output (2020-12, as OpenAPI 3.1 uses);
 * every schema with a `.meta({ id })` is a component. The operations come from the route table
 * (openapi-routes.ts). test/openapi.test.ts holds the result against the real router.
 */

type Json = Record<string, unknown>;

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

const SCHEMAS = '#/components/schemas/';

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

/** Tidies zod's JSON Schema of one node: what it states twice or never needs to. */
function override({ zodSchema, jsonSchema }: { zodSchema: z.core.$ZodTypes; jsonSchema: z.core.JSONSchema.BaseSchema }): void {
  const asParam = queryParamDocs.get(zodSchema);
  if (asParam) {
    for (const key of Object.keys(jsonSchema)) if (key !== 'description') delete jsonSchema[key];
    Object.assign(jsonSchema, asParam);
  }
  // z.int() states the safe-integer range; a document says nothing where the API sets no bound.
  if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum;
  if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum;
  // `format: date-time` says what zod's long ISO 8601 pattern says.
  if (jsonSchema.format === 'date-time' && (zodSchema._zod.def as { format?: string }).format === 'datetime') delete jsonSchema.pattern;
}

/** Requests are described as the client sends them; responses have no transforms, so the same. */
const conversion = { io: 'input', override } as const;

/** Every schema with an id, as components/schemas. */
function componentSchemas(): Record<string, Json> {
  const { schemas } = z.toJSONSchema(z.globalRegistry, { ...conversion, uri: (id) => `${SCHEMAS}${id}` });
  return Object.fromEntries(Object.entries(schemas).map(([id, { $schema: _s, $id: _i, ...schema }]) => [id, schema]));
}

/** A reference to a named schema, or the schema itself. */
function schemaOf(content: z.ZodType | 'text'): Json {
  if (content === 'text') return { type: 'string' };
  const id = z.globalRegistry.get(content)?.id;
  if (typeof id === 'string') return { $ref: `${SCHEMAS}${id}` };
  const { $schema: _s, ...schema } = z.toJSONSchema(content, conversion) as Json;
  if ('$defs' in schema) throw new Error('A schema that nests named schemas must have an id of its own.');
  return schema;
}

/** Bodies by media type. */
function contentOf(content: Content): Json {
  return Object.fromEntries(Object.entries(content).map(([type, schema]) => [type, { schema: schemaOf(schema) }]));
}

/** A documented answer. */
function responseOf(doc: ResponseDoc): Json {
  return {
    description: doc.description,
    ...(doc.headers
      ? { headers: Object.fromEntries(Object.entries(doc.headers).map(([name, description]) => [name, { description, schema: { type: 'string' } }])) }
      : {}),
    ...(doc.content ? { content: contentOf(doc.content) } : {}),
  };
}

/** Path parameters of the template, query parameters of the route's query schema, request headers. */
function parametersOf(route: RouteDoc): Json[] {
  const names = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  const described = Object.keys(route.params ?? {});
  if (names.join() !== described.join()) throw new Error(`${route.operationId}: path {${names.join('}, {')}} but parameters described: ${described.join(', ')}`);
  const parameters: Json[] = names.map((name) => ({ name, in: 'path', required: true, description: route.params![name], schema: { type: 'string', minLength: 1 } }));
  if (route.query) {
    const { properties = {}, required = [] } = z.toJSONSchema(route.query, conversion) as { properties?: Record<string, Json>; required?: string[] };
    for (const [name, { description, ...schema }] of Object.entries(properties)) {
      // The token is a security scheme of every /api route; only some routes name it again.
      if (name === 'access_token' && !route.tokenInQuery) continue;
      parameters.push({ name, in: 'query', required: required.includes(name), ...(description ? { description } : {}), schema });
    }
  }
  for (const [name, description] of Object.entries(route.headers ?? {})) parameters.push({ name, in: 'header', required: false, description, schema: { type: 'string' } });
  return parameters;
}

/** One operation, with the problem responses that apply to it. */
function operationOf(route: RouteDoc): Json {
  const api = route.path.startsWith('/api/');
  const statuses = new Set(route.problems ?? []);
  // Every /api route needs a token, may be rate limited and validates its query strictly.
  if (api) for (const status of [400, 401, 429]) statuses.add(status);
  if (route.admin) for (const status of [401, 403]) statuses.add(status);
  if (route.body) for (const status of [400, 413]) statuses.add(status);
  const responses: Record<string, Json> = Object.fromEntries(Object.entries(route.responses).map(([status, doc]) => [status, responseOf(doc)]));
  for (const status of [...statuses].sort((a, b) => a - b)) {
    responses[String(status)] ??= { $ref: `#/components/responses/${problemResponseNames[status]!}` };
  }
  const description = [route.description, route.admin ? 'Admin token only.' : undefined].filter(Boolean).join('\n\n');
  const parameters = parametersOf(route);
  const body = route.body;
  return {
    operationId: route.operationId,
    summary: route.summary,
    tags: [route.tag],
    ...(description ? { description } : {}),
    security: api || route.admin ? apiSecurity : [],
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(body
      ? {
          requestBody:
            body instanceof z.ZodType
              ? { required: true, content: contentOf({ 'application/json': body }) }
              : { required: true, description: body.description, content: contentOf(body.content) },
        }
      : {}),
    responses,
  };
}

/** The route table as `paths`. */
function paths(): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const route of routes) {
    const item = (out[route.path] ??= {});
    if (item[route.method]) throw new Error(`${route.method.toUpperCase()} ${route.path} is documented twice.`);
    item[route.method] = operationOf(route);
  }
  return out;
}

/** A problem+json response. */
function problemResponse(description: string, retryAfter = false): Json {
  return {
    description,
    ...(retryAfter ? { headers: { 'Retry-After': { description: 'Seconds to wait.', schema: { type: 'integer', minimum: 0 } } } } : {}),
    content: { 'application/problem+json': { schema: { $ref: `${SCHEMAS}Problem` } } },
  };
}

const problemResponses: Record<string, Json> = {
  BadRequest: problemResponse('Bad input: a malformed body, an unknown or invalid query parameter, a malformed date, a limit outside 1..200.'),
  Unauthorized: problemResponse('No token, or an unknown one.'),
  Forbidden: problemResponse('The token may not do this (admin only).'),
  NotFound: problemResponse('No such resource (also another key’s alert).'),
  Conflict: problemResponse('Conflict with the current state.'),
  PayloadTooLarge: problemResponse('The request body is over 1 MiB.'),
  TooManyRequests: problemResponse('Too many requests; retry later.', true),
  ServiceUnavailable: problemResponse('The data store is unavailable.', true),
};

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
    tags: ['Keys', 'Feeds', 'Anchors', 'Digest', 'Alerts', 'Volume', 'Operations', 'Pages'].map((name) => ({ name })),
    paths: paths(),
    webhooks: Object.fromEntries(
      Object.entries(webhooks).map(([name, hook]) => [
        name,
        {
          post: {
            operationId: hook.operationId,
            summary: hook.summary,
            ...(hook.description ? { description: hook.description } : {}),
            requestBody: { required: true, content: contentOf({ 'application/json': hook.body }) },
            responses: { '2XX': { description: 'Delivered.' } },
          },
        },
      ]),
    ),
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'The admin token or a user key.' },
        accessToken: { type: 'apiKey', in: 'query', name: 'access_token', description: 'The same token in the query string (EventSource, feed readers).' },
      },
      schemas: componentSchemas(),
      responses: problemResponses,
    },
  };
}
