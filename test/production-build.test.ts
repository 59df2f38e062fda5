import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { killAllApps, spawnApp } from './helpers/app-process.ts';
import { dropPrefix, uniquePrefix } from './helpers/redis-prefix.ts';

// The production path: `npm start` builds, then runs compiled JavaScript with plain Node (no
// tsx). Every other process test runs the TypeScript through tsx; this one runs what ships.
const exec = promisify(execFile);
const TOKEN = 'test-admin-token-0123456789';

afterAll(killAllApps);

describe('production: npm run build, then node dist/workers/all.js', () => {
  it('builds, answers /readyz, serves the default anchor and extracts a posted one in the compiled child', async () => {
    await exec('npm', ['run', 'build'], { timeout: 240_000 });
    for (const file of ['dist/workers/all.js', 'dist/workers/extract-entities.js', 'dist/workers/pipeline-thread.js', 'dist/src/web/index.html']) expect(existsSync(file), file).toBe(true);

    const prefix = uniquePrefix('production');
    const proc = spawnApp('all', { REDIS_PREFIX: prefix, PORT: '0', ADMIN_TOKEN: TOKEN, FEEDS_FILE: '' }, { compiled: true });
    try {
      await proc.waitForOutput(/"msg":"api listening"/, 60_000);
      const base = `http://127.0.0.1:${/"port":(\d+)[^\n]*"msg":"api listening"/.exec(proc.output())![1]!}`;
      const auth = { authorization: `Bearer ${TOKEN}` };

      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ready' });

      const anchors = (await (await fetch(`${base}/api/anchors`, { headers: auth })).json()) as { anchors: Array<{ id: string; entities: Array<{ key: string }> }> };
      expect(anchors.anchors[0]?.id).toBe('muscat-talks');
      expect(anchors.anchors[0]!.entities.map((e) => e.key)).toContain('muscat');

      // POST /api/anchors forks the extraction child: dist/workers/extract-entities.js, no tsx.
      const posted = await fetch(`${base}/api/anchors`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'Talks in Geneva', text: 'Foreign ministers met in Geneva on Tuesday. Antonio Guterres said the talks in Geneva would go on.' }),
      });
      expect(posted.status).toBe(201);
      const created = (await posted.json()) as { id: string; entities: Array<{ name: string }> };
      expect(created.entities.map((e) => e.name)).toContain('Geneva');
      expect((await fetch(`${base}/`)).status).toBe(200);
    } finally {
      proc.child.kill('SIGTERM');
      await proc.exited;
      await dropPrefix(prefix);
    }
  }, 300_000);
});
