import calculateSlot from 'cluster-key-slot';
import { describe, expect, it } from 'vitest';
import { createKeys } from './keys.ts';

const keys = createKeys('aw');
const slot = (key: string) => calculateSlot(key);

describe('keys on a Redis Cluster', () => {
  it('puts every key of one anchor in one slot, the one its scripts and MULTIs run in', () => {
    const a = 'muscat-talks';
    const slots = new Set(
      [keys.anchor(a), keys.anchorModel(a), keys.digest(a), keys.digestStream(a), keys.entityItems(a, 'oman'), keys.entityHourly(a, 'oman'), keys.tagState(a), keys.digestFolds(a), keys.feedback(a)].map(slot),
    );
    expect(slots.size).toBe(1);
    expect(slot(keys.digest('another-story'))).not.toBe(slot(keys.digest(a)));
  });

  it('keeps each script aggregate in one slot: the item indexes, the feed registry, stories, alerts, subscriptions', () => {
    const groups: string[][] = [
      [keys.items, keys.itemsHourly, keys.untagged, keys.feedItems('f1'), keys.feedItems('f2')],
      [keys.feeds, keys.feed('f1'), keys.feedUrls, keys.schedule, keys.websubLeaving('f1')],
      [keys.storyBands(1), keys.storyBands(2), keys.storySigs(1), keys.storyMembers('x'), keys.storyMembers('y')],
      [keys.alert('a'), keys.alerts, keys.alertsOf('o'), keys.alertsGeneration, keys.alertSeen('a'), keys.alertHits('a'), keys.alertStream('o'), keys.delivery('d'), keys.alertDeliveries('a'), keys.deliveriesDue, keys.spikeRest('a'), keys.alertMatches('a')],
      [keys.subscription('s'), keys.subscriptionsOf('o'), keys.subscriptionsDue, keys.digestSend('s', 'p'), keys.unsubscribeSecret],
      [keys.anchors, keys.anchorsGeneration],
      [keys.collectionDf, keys.collectionDocs],
    ];
    for (const group of groups) expect(new Set(group.map(slot)).size, group[0]).toBe(1);
  });

  it('spreads items over the slots: each item is a slot of its own, so items fill every master', () => {
    const ids = Array.from({ length: 3000 }, (_, i) => `item${i}`);
    const slots = ids.map((id) => slot(keys.item(id)));
    // Thirds of the slot range stand for the masters of a 3-master cluster.
    const thirds = [0, 0, 0];
    for (const s of slots) thirds[Math.min(2, Math.floor(s / (16384 / 3)))]!++;
    for (const n of thirds) expect(n / ids.length).toBeGreaterThan(0.28);
  });

  it('gives each BullMQ queue a hash-tag prefix of its own', () => {
    const prefixes = ['schedule', 'poll', 'tag', 'tag-live', 'retag', 'deliver', 'websub', 'digest'].map((name) => keys.queuePrefix(name));
    for (const p of prefixes) expect(p).toMatch(/^aw:\{q:[a-z-]+\}$/);
    expect(new Set(prefixes.map(slot)).size).toBe(prefixes.length);
  });

  it('starts every key with the prefix, so a prefix pattern finds them all and two prefixes never share a key', () => {
    const other = createKeys('aw2');
    expect(keys.item('x').startsWith('aw:')).toBe(true);
    expect(keys.all).toBe('aw:*');
    expect(other.item('x')).not.toBe(keys.item('x'));
    expect(other.queuePrefix('poll')).not.toBe(keys.queuePrefix('poll'));
  });
});
