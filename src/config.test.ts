import { describe, expect, it } from 'vitest';
import { loadConfig, publicUrlOf } from './config.ts';
import { isAppError } from './errors.ts';

describe('loadConfig', () => {
  it('gives the contract defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      redisUrl: 'redis://127.0.0.1:6379',
      redisPrefix: 'aw',
      host: '127.0.0.1',
      port: 3000,
      adminToken: null,
      feedsFile: 'config/feeds.json',
      anchorsDir: 'config/anchors',
      allowPrivateNetworks: false,
      pollIntervalSeconds: 300,
      logLevel: 'info',
    });
  });

  it('says whether REDIS_URL was given (unset or empty: the default, which npm start may replace with a Redis of its own)', () => {
    expect(loadConfig({}).redisUrlSet).toBe(false);
    expect(loadConfig({ REDIS_URL: '' }).redisUrlSet).toBe(false);
    expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' })).toMatchObject({ redisUrl: 'redis://127.0.0.1:6379', redisUrlSet: true });
  });

  it('reads REDIS_CLUSTER_NODES as cluster seed nodes, and refuses a malformed list', () => {
    expect(loadConfig({}).redisClusterNodes).toBeNull();
    expect(loadConfig({ REDIS_CLUSTER_NODES: '' }).redisClusterNodes).toBeNull();
    expect(loadConfig({ REDIS_CLUSTER_NODES: '127.0.0.1:7000, redis-b:7001,[::1]:7002' }).redisClusterNodes).toEqual([
      { host: '127.0.0.1', port: 7000 },
      { host: 'redis-b', port: 7001 },
      { host: '::1', port: 7002 },
    ]);
    for (const bad of ['127.0.0.1', '127.0.0.1:0', 'a:99999', 'redis://a:7000', ',']) {
      let error: unknown;
      try {
        loadConfig({ REDIS_CLUSTER_NODES: bad });
      } catch (err) {
        error = err;
      }
      expect(isAppError(error), bad).toBe(true);
      expect(String((error as Error).message)).toMatch(/REDIS_CLUSTER_NODES: must be comma-separated host:port seed nodes/);
    }
  });

  it('caps the items read from one feed document at MAX_ITEMS_PER_FEED (default 1,000)', () => {
    expect(loadConfig({}).maxItemsPerFeed).toBe(1000);
    expect(loadConfig({ MAX_ITEMS_PER_FEED: '250' }).maxItemsPerFeed).toBe(250);
    expect(() => loadConfig({ MAX_ITEMS_PER_FEED: '0' })).toThrow(/MAX_ITEMS_PER_FEED/);
  });

  it('is frozen', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow();
  });

  it('treats an empty FEEDS_FILE as "register none"', () => {
    expect(loadConfig({ FEEDS_FILE: '' }).feedsFile).toBeNull();
  });

  it('reads booleans and numbers', () => {
    const config = loadConfig({ ALLOW_PRIVATE_NETWORKS: 'true', PORT: '8080', POLL_INTERVAL_SECONDS: '60' });
    expect(config.allowPrivateNetworks).toBe(true);
    expect(config.port).toBe(8080);
    expect(config.pollIntervalSeconds).toBe(60);
  });

  it('bounds reads with safe defaults that can be changed', () => {
    expect(loadConfig({})).toMatchObject({ readRateLimitPerMinute: 1200, volumeQueryMaxItems: 20_000, expensiveReadConcurrency: 2 });
    expect(loadConfig({ READ_RATE_LIMIT_PER_MINUTE: '60', VOLUME_QUERY_MAX_ITEMS: '5000', EXPENSIVE_READ_CONCURRENCY: '4' })).toMatchObject({
      readRateLimitPerMinute: 60,
      volumeQueryMaxItems: 5000,
      expensiveReadConcurrency: 4,
    });
    expect(() => loadConfig({ EXPENSIVE_READ_CONCURRENCY: '0' })).toThrow(/EXPENSIVE_READ_CONCURRENCY/);
  });

  it('reports every problem at once, in one message, without a stack in it', () => {
    let caught: unknown;
    try {
      loadConfig({ REDIS_URL: 'http://nope', PORT: 'eighty', ALLOW_PRIVATE_NETWORKS: 'maybe', LOG_LEVEL: 'loud', ADMIN_TOKEN: 'short' });
    } catch (err) {
      caught = err;
    }
    expect(isAppError(caught)).toBe(true);
    const err = caught as Error & { fieldErrors: Array<{ field: string }> };
    expect(err.fieldErrors.map((f) => f.field).sort()).toEqual(['ADMIN_TOKEN', 'ALLOW_PRIVATE_NETWORKS', 'LOG_LEVEL', 'PORT', 'REDIS_URL']);
    for (const name of ['REDIS_URL', 'PORT', 'ALLOW_PRIVATE_NETWORKS', 'LOG_LEVEL', 'ADMIN_TOKEN']) expect(err.message).toContain(name);
    expect(err.message).not.toMatch(/\bat .*\.ts:\d+/);
  });
});

describe('PUBLIC_URL', () => {
  it('defaults to http://HOST:PORT, with the port the API really listens on', () => {
    const config = loadConfig({ HOST: '0.0.0.0', PORT: '8080' });
    expect(config.publicUrl).toBeNull();
    expect(publicUrlOf(config)).toBe('http://0.0.0.0:8080');
    expect(publicUrlOf(loadConfig({ HOST: '::1', PORT: '0' }), 41234)).toBe('http://[::1]:41234');
  });

  it('is an http(s) URL without its trailing slash, kept as given wherever the API listens', () => {
    const config = loadConfig({ PUBLIC_URL: 'https://Watch.Example.org/aw/' });
    expect(config.publicUrl).toBe('https://watch.example.org/aw');
    expect(publicUrlOf(config, 41234)).toBe('https://watch.example.org/aw');
    expect(loadConfig({ PUBLIC_URL: 'http://localhost:3000' }).publicUrl).toBe('http://localhost:3000');
  });

  it('refuses anything else', () => {
    for (const bad of ['ftp://x.example', 'watch.example.org', 'https://user:pw@x.example', 'https://x.example/?a=1', 'https://x.example/#top']) {
      let caught: unknown;
      try {
        loadConfig({ PUBLIC_URL: bad });
      } catch (err) {
        caught = err;
      }
      expect(isAppError(caught), bad).toBe(true);
      expect((caught as { fieldErrors: Array<{ field: string }> }).fieldErrors.map((f) => f.field)).toEqual(['PUBLIC_URL']);
    }
  });
});
