import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { uniquePrefix } from './helpers/redis-prefix.ts';
import { startTestApp, type TestApp } from './helpers/start-app.ts';

// Production packaging (issue 17): the image the Dockerfile builds, and the compose file that
// runs the app on a 3-master Redis Cluster. There is no Docker engine here: the Dockerfile is
// read, its health check command is run for real against a real API, and the compose files are
// checked through `docker-compose config` (the form compose itself resolves).

const exec = promisify(execFile);
const composeVersion = await exec('docker-compose', ['version', '--short']).then(
  (r) => r.stdout.trim(),
  () => null,
);
if (!composeVersion) {
  process.stderr.write('cluster-packaging.test.ts: docker-compose is not installed; the compose file checks are skipped (apt-get install docker-compose).\n');
}

/** The Dockerfile's instructions, continuation lines joined, comments dropped, split by stage. */
function dockerfileStages(): Array<Array<{ op: string; args: string }>> {
  const text = readFileSync('Dockerfile', 'utf8').replace(/\\\n\s*/g, ' ');
  const stages: Array<Array<{ op: string; args: string }>> = [];
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Z]+)\s+(.*)$/.exec(line);
    if (!m || line.trimStart().startsWith('#')) continue;
    if (m[1] === 'FROM') stages.push([]);
    stages.at(-1)?.push({ op: m[1]!, args: m[2]!.trim() });
  }
  return stages;
}

type ComposeService = {
  image?: string;
  command?: string[] | string;
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  ports?: unknown[];
  healthcheck?: { test?: string[]; disable?: boolean };
  hostname?: string;
  volumes?: string[];
};

/** `healthcheck: { disable: true }`, in the form either compose release prints it. */
const healthCheckOff = (s: ComposeService) => s.healthcheck?.disable === true || s.healthcheck?.test?.[0] === 'NONE';

async function composeConfig(file: string): Promise<Record<string, ComposeService>> {
  // A clean environment: the user's PORT or PUBLIC_URL must not change what is checked.
  const { stdout } = await exec('docker-compose', ['-f', file, 'config'], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' } });
  return (parseYaml(stdout) as { services: Record<string, ComposeService> }).services;
}

let api: TestApp;

beforeAll(async () => {
  api = await startTestApp(uniquePrefix('packaging'), {}, { api: true, workers: false });
});

afterAll(async () => {
  await api?.stop();
});

describe('the Dockerfile', () => {
  const stages = dockerfileStages();
  const final = stages.at(-1)!;
  const args = (op: string) => final.filter((i) => i.op === op).map((i) => i.args);

  it('builds in one stage and runs compiled JavaScript with production dependencies only, as a user that is not root', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(stages[0]!.some((i) => i.op === 'RUN' && /npm run build/.test(i.args))).toBe(true);
    expect(args('RUN').some((a) => /npm ci\b.*--omit=dev/.test(a))).toBe(true);
    expect(args('COPY').some((a) => /--from=build\s+\/app\/dist\s/.test(a))).toBe(true);
    // Nothing of the TypeScript sources or the dev tools reaches the image that runs.
    expect(args('COPY').some((a) => /\bsrc\b|\bworkers\b|tsconfig/.test(a))).toBe(false);
    const users = args('USER');
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^(root|0)(:|$)/);
    expect(JSON.parse(args('CMD').at(-1)!)).toEqual(['node', 'dist/workers/all.js']);
    // Reachable from outside the container: the API listens on every interface there.
    expect(args('ENV').join(' ')).toMatch(/\bHOST=0\.0\.0\.0\b/);
  });

  it('has a health check that passes while the API answers and fails when nothing does', async () => {
    const check = args('HEALTHCHECK').at(-1);
    expect(check, 'a HEALTHCHECK instruction').toBeDefined();
    const cmd = JSON.parse(/\bCMD\s+(\[.*\])\s*$/.exec(check!)![1]!) as string[];
    expect(cmd[0]).toBe('node');
    const port = new URL(api.base).port;
    const run = (env: Record<string, string>) =>
      exec(process.execPath, cmd.slice(1), { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 20_000 }).then(
        () => 0,
        (err: { code?: number }) => err.code ?? -1,
      );
    expect(await run({ PORT: port })).toBe(0);
    await api.stop();
    expect(await run({ PORT: port })).toBe(1);
  });
});

describe.skipIf(!composeVersion)('compose', () => {
  it('docker-compose.yml: the workers turn off the image health check (they serve no HTTP); the api keeps one', async () => {
    const services = await composeConfig('docker-compose.yml');
    expect(healthCheckOff(services.worker!)).toBe(true);
    expect(services.api!.healthcheck?.test?.join(' ')).toMatch(/\/readyz/);
  });

  it('docker-compose.cluster.yml: 3 masters and 3 replicas joined by a one-shot init, the app in cluster mode on all six', async () => {
    const services = await composeConfig('docker-compose.cluster.yml');
    const nodes = Object.keys(services).filter((n) => /^redis-\d+$/.test(n)).sort();
    expect(nodes).toHaveLength(6);
    for (const name of nodes) {
      const node = services[name]!;
      const command = [node.command ?? []].flat().join(' ');
      expect(command).toMatch(/--cluster-enabled yes/);
      // Clients are sent to a node's name, not to an address that changes when its container restarts.
      expect(command).toMatch(/--cluster-preferred-endpoint-type hostname/);
      expect(node.hostname).toBe(name);
      expect(node.healthcheck?.test?.join(' ')).toMatch(/redis-cli ping/);
      // Its own volume: nodes.conf and the append-only file survive a restart.
      expect(node.volumes?.some((v) => v.endsWith(':/data') || v.includes(':/data:'))).toBe(true);
    }

    const init = services['redis-cluster-init']!;
    expect(init, 'the init service').toBeDefined();
    expect(Object.keys(init.depends_on ?? {}).sort()).toEqual(nodes);
    for (const dep of Object.values(init.depends_on!)) expect(dep.condition).toBe('service_healthy');
    const script = [init.command ?? []].flat().join(' ');
    expect(script).toMatch(/redis-cli --cluster create/);
    expect(script).toMatch(/--cluster-replicas 1/);
    for (const name of nodes) expect(script).toContain(name);

    for (const role of ['api', 'worker']) {
      const service = services[role]!;
      expect(service.image).toBe('anchorwatch:local');
      const seeds = service.environment!.REDIS_CLUSTER_NODES!.split(',');
      expect(seeds.map((s) => s.split(':')[0]).sort()).toEqual(nodes);
      for (const seed of seeds) expect(seed).toMatch(/:6379$/);
      expect(service.depends_on?.['redis-cluster-init']?.condition).toBe('service_completed_successfully');
      expect(service.environment!.PUBLIC_URL).toBe('http://localhost:3000');
    }
    expect(services.api!.ports ?? [], 'a fixed host port on api stops --scale api=2').toEqual([]);
    expect(services.proxy!.ports).toEqual([{ published: 3000, target: 80 }]);
    expect(healthCheckOff(services.worker!)).toBe(true);
    // No single Redis beside the cluster.
    expect(services.redis).toBeUndefined();
  });
});
