import { z } from 'zod';
import { AppError, ErrorCodes } from './errors.ts';

/**
 * The only reader of process.env. Every variable is validated once, all problems are
 * reported together, and the result is frozen so no module can change it later.
 */

const bool = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ['true', 'false', '1', '0', 'yes', 'no', ''].includes(v), 'must be true or false')
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .refine((n) => n >= min && n <= max, `must be between ${min} and ${max}`);

/** An absolute http(s) base URL that others can be sent to: no user, password, query or fragment. */
function isPublicUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && !url.username && !url.password && !/[?#]/.test(value);
}

/** `host:port` (or `[v6]:port`) with a port from 1 to 65535. */
function isHostPort(value: string): boolean {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})$/.exec(value);
  return m !== null && Number(m[2]) >= 1 && Number(m[2]) <= 65535;
}

const schema = z.object({
  // Seed nodes of a Redis Cluster: host:port, comma-separated (IPv6 hosts in brackets).
  REDIS_CLUSTER_NODES: z
    .string()
    .trim()
    .transform((v) => v.split(',').map((n) => n.trim()).filter((n) => n !== ''))
    .refine((nodes) => nodes.length > 0 && nodes.every(isHostPort), 'must be comma-separated host:port seed nodes')
    .optional(),
  REDIS_URL: z
    .string()
    .trim()
    .refine((v) => /^rediss?:\/\//.test(v), 'must be a redis:// or rediss:// URL')
    .default('redis://127.0.0.1:6379'),
  REDIS_PREFIX: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 characters of letters, digits, _ . -')
    .default('aw'),
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  PORT: int(0, 65535).default(3000),
  ADMIN_TOKEN: z
    .string()
    .trim()
    .refine((v) => v === '' || v.length >= 16, 'must be at least 16 characters')
    .optional(),
  FEEDS_FILE: z.string().trim().default('config/feeds.json'),
  ANCHORS_DIR: z.string().trim().min(1).default('config/anchors'),
  ALLOW_PRIVATE_NETWORKS: bool.default(false),
  POLL_INTERVAL_SECONDS: int(1, 86_400).default(300),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PUBLIC_URL: z
    .string()
    .trim()
    .refine(isPublicUrl, 'must be an http:// or https:// URL without credentials, query or fragment')
    .transform((v) => new URL(v).href.replace(/\/+$/, ''))
    .optional(),
  FULL_TEXT: z.enum(['auto', 'always', 'never']).default('auto'),
  SMTP_URL: z
    .string()
    .trim()
    .refine((v) => /^smtps?:\/\/[^/]/.test(v) && URL.canParse(v), 'must be an smtp:// or smtps:// URL')
    .optional(),
  MAIL_FROM: z.string().trim().min(3).max(320).default('Anchorwatch <anchorwatch@localhost>'),
  // Beyond the contract: tuning knobs with safe defaults.
  ARTICLE_MAX_BYTES: int(1024, 1_073_741_824).default(5 * 1024 * 1024),
  ARTICLE_TIMEOUT_MS: int(500, 600_000).default(15_000),
  WEBSUB_ENABLED: bool.default(true),
  WEBSUB_MAX_BODY_BYTES: int(1024, 1_073_741_824).default(5 * 1024 * 1024),
  WEBSUB_PUSHES_PER_MINUTE: int(1, 100_000).default(120),
  WEBSUB_LEASE_SECONDS: int(60, 31_536_000).default(7 * 86_400),
  POLL_MIN_INTERVAL_SECONDS: int(1, 86_400).default(60),
  POLL_MAX_INTERVAL_SECONDS: int(60, 604_800).default(86_400),
  HOST_CONCURRENCY: int(1, 1000).default(4),
  POLL_CONCURRENCY: int(1, 1000).default(32),
  FETCH_CONNECT_TIMEOUT_MS: int(100, 120_000).default(10_000),
  FETCH_TOTAL_TIMEOUT_MS: int(500, 600_000).default(30_000),
  FETCH_MAX_BYTES: int(1024, 1_073_741_824).default(10 * 1024 * 1024),
  RETENTION_DAYS: int(1, 3650).default(90),
  MAX_ITEMS_PER_FEED: int(1, 1_000_000).default(1000),
  TRUST_PROXY: z.string().trim().default(''),
  JOB_LOCK_MS: int(1000, 600_000).default(30_000),
  METRICS_PORT: int(0, 65535).optional(),
  READ_RATE_LIMIT_PER_MINUTE: int(1, 1_000_000).default(1200),
  VOLUME_QUERY_MAX_ITEMS: int(100, 10_000_000).default(20_000),
  EXPENSIVE_READ_CONCURRENCY: int(1, 1000).default(2),
});

export type Config = Readonly<{
  redisUrl: string;
  /** False when REDIS_URL was not given: `npm start` may then bring its own Redis if none answers at the default. */
  redisUrlSet: boolean;
  /** Seed nodes of a Redis Cluster (REDIS_CLUSTER_NODES); null for one plain Redis. With them, REDIS_URL only lends scheme, user and password. */
  redisClusterNodes: ReadonlyArray<{ host: string; port: number }> | null;
  redisPrefix: string;
  host: string;
  port: number;
  adminToken: string | null;
  feedsFile: string | null;
  anchorsDir: string;
  allowPrivateNetworks: boolean;
  pollIntervalSeconds: number;
  logLevel: string;
  /** The mail server of e-mail alerts and digests (credentials inside: never logged); null disables e-mail. */
  smtpUrl: string | null;
  /** The From of every e-mail. */
  mailFrom: string;
  /** PUBLIC_URL without its trailing slash; null means http://HOST:PORT (see publicUrlOf). */
  publicUrl: string | null;
  pollMinIntervalSeconds: number;
  pollMaxIntervalSeconds: number;
  hostConcurrency: number;
  pollConcurrency: number;
  fetchConnectTimeoutMs: number;
  fetchTotalTimeoutMs: number;
  fetchMaxBytes: number;
  retentionDays: number;
  /** Items read from one feed document at most: the newest. */
  maxItemsPerFeed: number;
  trustProxy: string;
  jobLockMs: number;
  metricsPort: number | null;
  /** GET/HEAD requests one user key may make per minute across every API process. */
  readRateLimitPerMinute: number;
  /** Items a `q=` volume series may test in one request; past it the request answers 400. */
  volumeQueryMaxItems: number;
  /** Scanning reads (q= series, outlets) one API process runs at once; more answer 503 at once. */
  expensiveReadConcurrency: number;
  /** When an item's article page is read before tagging (FULL_TEXT); a feed's own `fullText` overrides it. */
  fullText: 'auto' | 'always' | 'never';
  /** Size cap and deadline of one article-page fetch. */
  articleMaxBytes: number;
  articleTimeoutMs: number;
  /** When false, no feed is subscribed at a WebSub hub (feeds are only polled). */
  websubEnabled: boolean;
  /** Size cap of one WebSub push body, and pushes accepted per feed and minute. */
  websubMaxBodyBytes: number;
  websubPushesPerMinute: number;
  /** Lease asked of a WebSub hub (the hub may grant another). */
  websubLeaseSeconds: number;
}>;

/** Validates the environment and returns a frozen Config; throws one AppError listing every problem. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Unset and empty mean "default" for every variable except FEEDS_FILE, where empty means "none".
  const input: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    if (value === undefined) continue;
    if (value === '' && key !== 'FEEDS_FILE' && key !== 'ADMIN_TOKEN') continue;
    input[key] = value;
  }
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const fieldErrors = parsed.error.issues.map((i) => ({
      field: String(i.path[0] ?? ''),
      message: i.message,
    }));
    const lines = fieldErrors.map((f) => `  ${f.field}: ${f.message}`).join('\n');
    throw new AppError(ErrorCodes.config, `Invalid configuration:\n${lines}`, { fieldErrors });
  }
  const v = parsed.data;
  if (v.POLL_MIN_INTERVAL_SECONDS > v.POLL_MAX_INTERVAL_SECONDS) {
    throw new AppError(
      ErrorCodes.config,
      'Invalid configuration:\n  POLL_MIN_INTERVAL_SECONDS: must not exceed POLL_MAX_INTERVAL_SECONDS',
    );
  }
  return Object.freeze({
    redisUrl: v.REDIS_URL,
    redisUrlSet: input.REDIS_URL !== undefined,
    redisClusterNodes: v.REDIS_CLUSTER_NODES ? Object.freeze(v.REDIS_CLUSTER_NODES.map(parseHostPort)) : null,
    redisPrefix: v.REDIS_PREFIX,
    host: v.HOST,
    port: v.PORT,
    adminToken: v.ADMIN_TOKEN ? v.ADMIN_TOKEN : null,
    feedsFile: v.FEEDS_FILE === '' ? null : v.FEEDS_FILE,
    anchorsDir: v.ANCHORS_DIR,
    allowPrivateNetworks: v.ALLOW_PRIVATE_NETWORKS,
    pollIntervalSeconds: v.POLL_INTERVAL_SECONDS,
    logLevel: v.LOG_LEVEL,
    publicUrl: v.PUBLIC_URL ?? null,
    smtpUrl: v.SMTP_URL ?? null,
    mailFrom: v.MAIL_FROM,
    pollMinIntervalSeconds: Math.min(v.POLL_MIN_INTERVAL_SECONDS, v.POLL_INTERVAL_SECONDS),
    pollMaxIntervalSeconds: Math.max(v.POLL_MAX_INTERVAL_SECONDS, v.POLL_INTERVAL_SECONDS),
    hostConcurrency: v.HOST_CONCURRENCY,
    pollConcurrency: v.POLL_CONCURRENCY,
    fetchConnectTimeoutMs: v.FETCH_CONNECT_TIMEOUT_MS,
    fetchTotalTimeoutMs: v.FETCH_TOTAL_TIMEOUT_MS,
    fetchMaxBytes: v.FETCH_MAX_BYTES,
    retentionDays: v.RETENTION_DAYS,
    maxItemsPerFeed: v.MAX_ITEMS_PER_FEED,
    trustProxy: v.TRUST_PROXY,
    jobLockMs: v.JOB_LOCK_MS,
    metricsPort: v.METRICS_PORT ?? null,
    readRateLimitPerMinute: v.READ_RATE_LIMIT_PER_MINUTE,
    volumeQueryMaxItems: v.VOLUME_QUERY_MAX_ITEMS,
    expensiveReadConcurrency: v.EXPENSIVE_READ_CONCURRENCY,
    fullText: v.FULL_TEXT,
    articleMaxBytes: v.ARTICLE_MAX_BYTES,
    articleTimeoutMs: v.ARTICLE_TIMEOUT_MS,
    websubEnabled: v.WEBSUB_ENABLED,
    websubMaxBodyBytes: v.WEBSUB_MAX_BODY_BYTES,
    websubPushesPerMinute: v.WEBSUB_PUSHES_PER_MINUTE,
    websubLeaseSeconds: v.WEBSUB_LEASE_SECONDS,
  });
}

/** A validated `host:port` as ioredis takes it (an IPv6 host without its brackets). */
function parseHostPort(value: string): { host: string; port: number } {
  const i = value.lastIndexOf(':');
  return Object.freeze({ host: value.slice(0, i).replace(/^\[(.*)\]$/, '$1'), port: Number(value.slice(i + 1)) });
}

/**
 * The address at which others reach the API (self links, callbacks, e-mails): PUBLIC_URL, else
 * http://HOST:PORT with the port the API really listens on (PORT=0 picks one). Never a Host header.
 */
export function publicUrlOf(config: Config, listeningPort: number = config.port): string {
  if (config.publicUrl) return config.publicUrl;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return `http://${host}:${listeningPort}`;
}
