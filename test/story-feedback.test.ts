import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeItem } from '../src/storage/item-codec.ts';
import { createKeys } from '../src/storage/keys.ts';
import { rssOf, startFeedServer, type FeedServer } from './helpers/feed-server.ts';
import { asFeedItem, labelledItems } from './helpers/labelled-items.ts';
import { testRedisUrl, uniquePrefix } from './helpers/redis-prefix.ts';
import { openSse, type SseClient } from './helpers/sse-client.ts';
import { startTestApp, waitFor, type TestApp } from './helpers/start-app.ts';

// The analyst's side of relevance end to end: judgements, scope, why, roles, story terms and
// deleting an anchor, against real Redis, a real feed server and the real API and workers.
const prefix = uniquePrefix('story');
const keys = createKeys(prefix);
const ANCHOR = 'muscat-talks';
let app: TestApp;
let server: FeedServer;
let redis: Redis;
let feedId: string;
const items = labelledItems();

type Evidence = { kind: string; name: string; weight: number };
type Item = {
  id: string;
  title: string;
  snippet: string;
  score: number;
  relevant: boolean;
  entities: Array<{ key: string; name: string }>;
  why: { score: number; threshold: number; evidence: Evidence[]; judged: boolean | null } | null;
};
type Anchor = {
  id: string;
  language: string;
  warnings: string[];
  scope: string | null;
  entities: Array<{ key: string; name: string; kind: string; role: string }>;
  story: { terms: Array<{ term: string; weight: number; source: string }> };
};

beforeAll(async () => {
  server = await startFeedServer();
  redis = new Redis(testRedisUrl);
  app = await startTestApp(prefix, {}, { api: true, workers: true }, { storyRefreshMs: 1000 });
  server.route('/story.xml', (_q, r) => r.end(rssOf('Story Wire', items.map((i) => asFeedItem(i)))));
  feedId = (await app.json<{ id: string }>('/api/feeds', { method: 'POST', body: JSON.stringify({ url: server.url('/story.xml') }) })).body.id;
  await waitFor(async () => (await allItems()).length === items.length, 60_000);
  await settled(ANCHOR);
}, 180_000);

afterAll(async () => {
  await app?.stop();
  await server?.close();
  redis?.disconnect();
});

/** Every item of the test feed with its tags for an anchor. */
async function allItems(anchorId = ANCHOR): Promise<Item[]> {
  const { body } = await app.json<{ items: Item[] }>(`/api/items?feedId=${feedId}&anchorId=${anchorId}&limit=200`);
  return body.items.filter((i) => i.score !== null);
}

async function digestIds(anchorId = ANCHOR): Promise<string[]> {
  const { body } = await app.json<{ items: Item[] }>(`/api/digests/${anchorId}?limit=200`);
  return body.items.map((i) => i.id);
}

/** Waits until every item carries tags of the anchor's current version: the re-tag is done. */
async function settled(anchorId: string): Promise<void> {
  await waitFor(async () => {
    const raw = await redis.get(keys.anchor(anchorId));
    if (!raw) return false;
    const version = (JSON.parse(raw) as { version: number }).version;
    const ids = await redis.zrange(keys.feedItems(feedId), 0, -1);
    const versions = await Promise.all(ids.map(async (id) => decodeItem(id, (await redis.getBuffer(keys.item(id)))!)?.tags[anchorId]?.version));
    return ids.length === items.length && versions.every((v) => v === version);
  }, 90_000);
}

const post = (path: string, body: unknown) => app.json(path, { method: 'POST', body: JSON.stringify(body) });
const put = (path: string, body: unknown) => app.json<Anchor>(path, { method: 'PUT', body: JSON.stringify(body) });
const streamOf = (extra = '') => openSse(`${app.base}/api/digests/${ANCHOR}/stream?access_token=${app.token}${extra}`);
const dataIds = (client: SseClient, type: string) => client.events.filter((e) => e.event === type).map((e) => (JSON.parse(e.data) as { id: string }).id);

describe('analyst feedback', () => {
  it('moves a judged item out of the digest at once, sends event: remove with an id, and keeps it out through the re-tag', { timeout: 120_000 }, async () => {
    const stream = await streamOf();
    const before = await allItems();
    const shown = await digestIds();
    const target = before.find((i) => i.relevant && shown.includes(i.id))!;
    expect(target).toBeDefined();

    const res = await post(`/api/digests/${ANCHOR}/feedback`, { itemId: target.id, relevant: false });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ itemId: target.id, relevant: false, score: target.score });
    // At once: the answer is given after the move.
    expect(await digestIds()).not.toContain(target.id);

    const removes = await stream.waitForEvents(1, 'remove');
    expect(JSON.parse(removes[0]!.data)).toEqual({ id: target.id });
    expect(removes[0]!.id).toMatch(/^\d+-\d+$/);

    await settled(ANCHOR);
    expect(await digestIds()).not.toContain(target.id);
    const after = (await allItems()).find((i) => i.id === target.id)!;
    expect(after.relevant).toBe(false);
    expect(after.why!.judged).toBe(false);
    expect(after.why!.evidence[0]).toMatchObject({ kind: 'feedback', weight: -1 });

    // A client that resumes from before the removal is told of it too, with the same id.
    const resumed = await streamOf(`&lastEventId=${encodeURIComponent('0-0')}`);
    await resumed.waitForEvents(1, 'remove');
    expect(resumed.events.find((e) => e.event === 'remove')!.id).toBe(removes[0]!.id);
    resumed.close();
    stream.close();
    // Withdrawn, so the tests that follow start from an untaught model.
    expect((await app.api(`/api/digests/${ANCHOR}/feedback/${target.id}`, { method: 'DELETE' })).status).toBe(204);
    await settled(ANCHOR);
  });

  it('brings a judged item into the digest at once, lists verdicts, and withdraws one with DELETE', { timeout: 120_000 }, async () => {
    const stream = await streamOf();
    const outside = (await allItems()).find((i) => !i.relevant && i.why?.judged === null)!;
    const res = await post(`/api/digests/${ANCHOR}/feedback`, { itemId: outside.id, relevant: true });
    expect(res.status).toBe(200);
    expect(await digestIds()).toContain(outside.id);
    await waitFor(async () => dataIds(stream, 'item').includes(outside.id));

    const list = await app.json<{ feedback: Array<{ itemId: string; relevant: boolean; at: string }> }>(`/api/digests/${ANCHOR}/feedback`);
    expect(list.status).toBe(200);
    expect(list.body.feedback.find((f) => f.itemId === outside.id)).toMatchObject({ relevant: true });
    expect(list.body.feedback.find((f) => f.itemId === outside.id)!.at).toMatch(/^\d{4}-\d\d-\d\dT/);

    await settled(ANCHOR);
    expect(await digestIds()).toContain(outside.id);
    const judged = (await allItems()).find((i) => i.id === outside.id)!;
    expect(judged.why!.judged).toBe(true);
    expect(judged.why!.evidence.some((e) => e.kind === 'feedback' && e.weight > 0)).toBe(true);

    // Withdrawn: back to what the model says (out, as before), with a remove event.
    expect((await app.api(`/api/digests/${ANCHOR}/feedback/${outside.id}`, { method: 'DELETE' })).status).toBe(204);
    const withdrawnNow = (await allItems()).find((i) => i.id === outside.id)!;
    expect(withdrawnNow.why!.judged).toBeNull();
    expect(withdrawnNow.relevant).toBe(withdrawnNow.score >= withdrawnNow.why!.threshold);
    if (!withdrawnNow.relevant) await waitFor(async () => dataIds(stream, 'remove').includes(outside.id));
    expect((await app.api(`/api/digests/${ANCHOR}/feedback/${outside.id}`, { method: 'DELETE' })).status).toBe(404);
    await settled(ANCHOR);
    stream.close();
  });

  it('refuses bad verdicts: unknown item 404, bad body 400, a user key 403', async () => {
    expect((await post(`/api/digests/${ANCHOR}/feedback`, { itemId: 'no-such-item', relevant: true })).status).toBe(404);
    expect((await post(`/api/digests/${ANCHOR}/feedback`, { itemId: 'x', relevant: 'yes' })).status).toBe(400);
    expect((await post(`/api/digests/nope/feedback`, { itemId: 'x', relevant: true })).status).toBe(404);
    const key = (await post('/api/keys', { name: 'reader' })).body as { key: string };
    const asUser = await app.api(`/api/digests/${ANCHOR}/feedback`, { method: 'POST', token: key.key, body: JSON.stringify({ itemId: 'x', relevant: true }) });
    expect(asUser.status).toBe(403);
    expect((await app.api(`/api/digests/${ANCHOR}/feedback`, { token: key.key })).status).toBe(200);
  }, 120_000);
});

describe('why an item is in the digest', () => {
  it('gives the score, the threshold and the entities and terms that counted', async () => {
    const { body } = await app.json<{ items: Item[] }>(`/api/digests/${ANCHOR}?limit=200`);
    expect(body.items.length).toBeGreaterThan(0);
    for (const item of body.items) {
      expect(item.why).not.toBeNull();
      expect(item.why!.score).toBe(item.score);
      if (item.why!.judged === null) expect(item.score).toBeGreaterThanOrEqual(item.why!.threshold);
      for (const e of item.why!.evidence) expect(['entity', 'term', 'feedback', 'scope']).toContain(e.kind);
    }
    const withEntities = body.items.find((i) => i.entities.length > 0 && i.why!.judged === null)!;
    const entityEvidence = withEntities.why!.evidence.filter((e) => e.kind === 'entity').map((e) => e.name);
    expect(entityEvidence.length).toBeGreaterThan(0);
    for (const name of entityEvidence) expect(withEntities.entities.map((e) => e.name)).toContain(name);
    expect(body.items.some((i) => i.why!.evidence.some((e) => e.kind === 'term'))).toBe(true);
  }, 120_000);
});

describe('the anchor payload', () => {
  it('carries language, warnings, scope, story terms with their sources, and entities with roles', async () => {
    const anchor = await waitFor(async () => {
      const { body } = await app.json<Anchor>(`/api/anchors/${ANCHOR}`);
      return body.story.terms.length > 0 ? body : null;
    });
    expect(anchor.language).toBe('en');
    expect(anchor.warnings).toEqual([]);
    expect(anchor.scope).toBeNull();
    expect(anchor.story.terms.some((t) => t.source === 'piece')).toBe(true);
    for (const t of anchor.story.terms) {
      expect(['piece', 'coverage', 'feedback']).toContain(t.source);
      expect(typeof t.weight).toBe('number');
    }
    for (const e of anchor.entities) expect(['core', 'context']).toContain(e.role);
  });

  it('takes roles in PUT entities: a given role is kept, an omitted one stays as it was, a new entity is core', { timeout: 120_000 }, async () => {
    const { body: anchor } = await app.json<Anchor>(`/api/anchors/${ANCHOR}`);
    const [first, second, ...rest] = anchor.entities;
    const flipped = first!.role === 'core' ? 'context' : 'core';
    const res = await put(`/api/anchors/${ANCHOR}/entities`, {
      entities: [
        { name: first!.name, kind: first!.kind, role: flipped },
        { name: second!.name, kind: second!.kind },
        ...rest.map((e) => ({ name: e.name, kind: e.kind, role: e.role })),
        { name: 'Sultan Haitham', kind: 'person' },
      ],
    });
    expect(res.status).toBe(200);
    const byName = new Map(res.body.entities.map((e) => [e.name, e]));
    expect(byName.get(first!.name)!.role).toBe(flipped);
    expect(byName.get(second!.name)!.role).toBe(second!.role);
    expect(byName.get('Sultan Haitham')!.role).toBe('core');
    expect((await app.json<Anchor>(`/api/anchors/${ANCHOR}`)).body.entities.find((e) => e.name === first!.name)!.role).toBe(flipped);
    expect((await put(`/api/anchors/${ANCHOR}/entities`, { entities: [{ name: 'X', kind: 'person', role: 'lead' }] })).status).toBe(400);
    // Back as it was, for the tests that follow.
    const restored = await put(`/api/anchors/${ANCHOR}/entities`, { entities: anchor.entities.map((e) => ({ name: e.name, kind: e.kind, role: e.role })) });
    expect(restored.body.entities.map((e) => [e.key, e.role])).toEqual(anchor.entities.map((e) => [e.key, e.role]));
    await settled(ANCHOR);
  });
});

describe('scope', () => {
  it('answers 400 with the position of a syntax error', async () => {
    const res = await app.json<{ position: number; detail: string }>(`/api/anchors/${ANCHOR}/scope`, { method: 'PUT', body: JSON.stringify({ scope: 'Iran AND (talks OR' }) });
    expect(res.status).toBe(400);
    expect(typeof res.body.position).toBe('number');
    expect(res.body.position).toBeGreaterThan(0);
    expect((await put(`/api/anchors/${ANCHOR}/scope`, { scope: 42 })).status).toBe(400);
  });

  it('keeps every digest item within the scope, sends the items it drops as event: remove, and lifts with null', async () => {
    const shownBefore = await digestIds();
    const inDigest = (await allItems()).filter((i) => shownBefore.includes(i.id));
    const mentionsMuscat = inDigest.filter((i) => /muscat/i.test(`${i.title} ${i.snippet}`) && i.why!.judged === null);
    expect(mentionsMuscat.length).toBeGreaterThan(0);
    const stream = await streamOf();

    const res = await put(`/api/anchors/${ANCHOR}/scope`, { scope: 'NOT Muscat' });
    expect(res.status).toBe(200);
    expect(res.body.scope).toBe('NOT Muscat');
    await settled(ANCHOR);

    const { body } = await app.json<{ items: Item[] }>(`/api/digests/${ANCHOR}?limit=200`);
    for (const item of body.items) {
      if (item.why!.judged === null) expect(`${item.title} ${item.snippet}`).not.toMatch(/muscat/i);
    }
    const dropped = (await allItems()).find((i) => i.id === mentionsMuscat[0]!.id)!;
    expect(dropped.relevant).toBe(false);
    expect(dropped.why!.evidence).toContainEqual({ kind: 'scope', name: 'NOT Muscat', weight: -1 });
    await waitFor(async () => mentionsMuscat.every((i) => dataIds(stream, 'remove').includes(i.id)));
    const kept = body.items.find((i) => i.why!.judged === null)!;
    expect(kept.why!.evidence).toContainEqual({ kind: 'scope', name: 'NOT Muscat', weight: 0 });

    const lifted = await put(`/api/anchors/${ANCHOR}/scope`, { scope: null });
    expect(lifted.body.scope).toBeNull();
    await settled(ANCHOR);
    expect(await digestIds()).toContain(mentionsMuscat[0]!.id);
    await waitFor(async () => dataIds(stream, 'item').includes(mentionsMuscat[0]!.id));
    stream.close();
  }, 120_000);
});

describe('collection statistics', () => {
  it('counts every ingested item once, in batches', async () => {
    await waitFor(async () => Number(await redis.get(keys.collectionDocs)) === items.length, 20_000);
    expect(await redis.hlen(keys.collectionDf)).toBeGreaterThan(50);
    // Polling the same feed again stores nothing new and counts nothing again.
    expect((await app.api(`/api/feeds/${feedId}/poll`, { method: 'POST' })).status).toBe(202);
    await waitFor(async () => ((await app.json<{ lastPolledAt: string | null; lastPoll: unknown }>(`/api/feeds/${feedId}`)).body.lastPoll ? true : false));
    await new Promise((r) => setTimeout(r, 500));
    expect(Number(await redis.get(keys.collectionDocs))).toBe(items.length);
  }, 120_000);
});

describe('DELETE /api/anchors/:id', () => {
  it('removes the anchor, its digest, stream, feedback and volume indexes, and keeps the items', async () => {
    const created = await app.json<Anchor>('/api/anchors', {
      method: 'POST',
      body: JSON.stringify({ title: 'Muscat round', text: 'US envoy Steve Witkoff and Iranian Foreign Minister Abbas Araghchi held indirect talks in Muscat, Oman, on the nuclear programme.' }),
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    await settled(id);
    const tagged = await allItems(id);
    expect(tagged.length).toBe(items.length);
    const relevantOne = tagged.find((i) => i.relevant) ?? tagged[0]!;
    expect((await post(`/api/digests/${id}/feedback`, { itemId: relevantOne.id, relevant: true })).status).toBe(200);
    expect(await redis.exists(keys.digest(id), keys.digestStream(id), keys.feedback(id))).toBe(3);
    const entityKeysOf = async () => (await Promise.all(keys.entityIndexesOf(id).map((pattern) => redis.keys(pattern)))).flat();
    const entityKeysBefore = await entityKeysOf();
    expect(entityKeysBefore.length).toBeGreaterThan(0);
    const itemCount = await redis.zcard(keys.items);

    expect((await app.api(`/api/anchors/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await app.api(`/api/anchors/${id}`)).status).toBe(404);
    expect((await app.api(`/api/digests/${id}`)).status).toBe(404);
    expect(await redis.exists(keys.digest(id), keys.digestStream(id), keys.feedback(id), keys.anchor(id), keys.anchorModel(id))).toBe(0);
    expect(await entityKeysOf()).toEqual([]);
    expect(await redis.zcard(keys.items)).toBe(itemCount);
    const stored = decodeItem(relevantOne.id, (await redis.getBuffer(keys.item(relevantOne.id)))!);
    expect(stored?.tags[id]).toBeUndefined();
    expect(Object.keys(stored?.tags ?? {}).length).toBeGreaterThan(0);
    expect((await app.json<{ items: Item[] }>(`/api/items?feedId=${feedId}&limit=200`)).body.items.map((i) => i.id)).toContain(relevantOne.id);
    expect((await app.json<{ anchors: Anchor[] }>('/api/anchors')).body.anchors.map((a) => a.id)).not.toContain(id);
    // The other anchor is untouched.
    expect((await digestIds()).length).toBeGreaterThan(0);
    expect((await app.api(`/api/anchors/${id}`, { method: 'DELETE' })).status).toBe(404);
  }, 120_000);
});

describe('learning from judgements', () => {
  it('moves similar items after a judgement (the model relearns and recent items are re-scored), with remove and item events', async () => {
    const stream = await streamOf();
    const before = await allItems();
    const shown = new Set(await digestIds());
    const outJudged = before.find((i) => i.relevant && shown.has(i.id) && i.why!.judged === null)!;
    expect((await post(`/api/digests/${ANCHOR}/feedback`, { itemId: outJudged.id, relevant: false })).status).toBe(200);
    await settled(ANCHOR);
    const afterOut = new Set(await digestIds());
    const leftWithIt = [...shown].filter((id) => id !== outJudged.id && !afterOut.has(id));
    expect(leftWithIt.length).toBeGreaterThan(0);
    await waitFor(async () => leftWithIt.every((id) => dataIds(stream, 'remove').includes(id)));
    const moved = (await allItems()).find((i) => i.id === leftWithIt[0])!;
    expect(moved.why!.judged).toBeNull();
    expect(moved.relevant).toBe(false);

    // A positive judgement: its distinctive words join the story as `feedback` terms, and items enter.
    expect((await app.api(`/api/digests/${ANCHOR}/feedback/${outJudged.id}`, { method: 'DELETE' })).status).toBe(204);
    await settled(ANCHOR);
    const shownNow = new Set(await digestIds());
    const inJudged = (await allItems()).find((i) => !i.relevant && i.why!.judged === null && !/muscat|oman/i.test(i.title))!;
    expect((await post(`/api/digests/${ANCHOR}/feedback`, { itemId: inJudged.id, relevant: true })).status).toBe(200);
    await settled(ANCHOR);
    const anchor = await waitFor(async () => {
      const { body } = await app.json<Anchor>(`/api/anchors/${ANCHOR}`);
      return body.story.terms.some((t) => t.source === 'feedback') ? body : null;
    });
    expect(anchor.story.terms.filter((t) => t.source === 'feedback').length).toBeGreaterThan(0);
    const entered = (await digestIds()).filter((id) => id !== inJudged.id && !shownNow.has(id));
    for (const id of entered) await waitFor(async () => dataIds(stream, 'item').includes(id));
    expect((await app.api(`/api/digests/${ANCHOR}/feedback/${inJudged.id}`, { method: 'DELETE' })).status).toBe(204);
    await settled(ANCHOR);
    stream.close();
  }, 120_000);
});

describe('story growth', () => {
  it('grows the story vocabulary from items confidently on it, on the periodic recompile', async () => {
    // Coverage that keeps naming something the piece never did: the snapback of sanctions.
    const titles = [
      'Araghchi and Witkoff weigh snapback clause in Muscat talks',
      'Omani mediators in Muscat float snapback timetable to Araghchi and Witkoff',
      'Witkoff tells Araghchi in Muscat the snapback threat stays on the table',
      'Iran rejects snapback demand as Muscat talks with Witkoff resume',
      'Araghchi says snapback would end the Muscat track, Witkoff told',
      'Snapback dispute slows Witkoff and Araghchi in Muscat',
      'Muscat round: Witkoff offers to delay snapback, Araghchi sceptical',
      'Araghchi demands written snapback guarantee from Witkoff in Muscat',
      'Oman proposes snapback compromise as Araghchi and Witkoff meet in Muscat',
      'Witkoff and Araghchi end Muscat day with snapback unresolved',
    ];
    const ledes = [
      'Delegations in the Omani capital spent the morning on how a return of UN sanctions would be triggered.',
      'The proposal would give inspectors a year before the mechanism could be invoked by the European parties.',
      'Tehran calls the mechanism a loaded gun; Washington says it is the only guarantee it can accept.',
      'Foreign ministry spokesman Esmaeil Baghaei said the clause was never part of the 2015 understanding.',
      'Diplomats say the dispute over the clause could stall a deal expected before the autumn deadline.',
      'Negotiators traded drafts late into the evening at the Al Bustan palace without closing the gap.',
      'A six-month grace period was offered, according to two officials briefed on the exchange.',
      'The Iranian side wants any reimposition of measures to pass through the Security Council again.',
      'Omani officials shuttled between the two rooms carrying a paper on phased relief and its reversal.',
      'Both envoys will report to their capitals before a further session planned for next week.',
    ];
    const growth = titles.map((title, n) => ({
      title,
      link: `http://growth.example/${n}`,
      guid: `growth-${n}`,
      description: `${ledes[n]} Iranian Foreign Minister Abbas Araghchi and US envoy Steve Witkoff met in Muscat.`,
      pubDate: new Date(Date.now() - (n + 1) * 60_000).toUTCString(),
    }));
    server.route('/growth.xml', (_q, r) => r.end(rssOf('Growth Wire', growth)));
    expect((await post('/api/feeds', { url: server.url('/growth.xml') })).status).toBe(201);
    const anchor = await waitFor(async () => {
      const { body } = await app.json<Anchor>(`/api/anchors/${ANCHOR}`);
      return body.story.terms.some((t) => t.source === 'coverage' && t.term === 'snapback') ? body : null;
    }, 60_000);
    const grown = anchor.story.terms.filter((t) => t.source === 'coverage').map((t) => t.term);
    expect(grown).toContain('snapback');
  }, 120_000);
});
