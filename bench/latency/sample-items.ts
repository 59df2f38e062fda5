/** The latency benchmark's sample items: distinct stories the app's own tagger finds relevant. */
import path from 'node:path';
import { loadAnchorSources } from '../../src/tagging/anchor-file.ts';
import { compileAnchor, tagItem } from '../../src/tagging/compile-anchor.ts';
import { estimateSimilarity, storySignature, type StorySignature } from '../../src/tagging/story-signature.ts';
import { prng } from '../../workers/prng.ts';
import { ROOT } from '../project-root.ts';

/** One sample item, with the moments the live feed served it. */
export interface LiveItem {
  seq: number;
  guid: string;
  title: string;
  summary: string;
  link: string;
  pubDate: string;
  tTrigger?: number;
  /** First request whose response contained it (the poll's fetch began). */
  tFirstReq?: number;
  /** 'finish' of the first response that contained it. */
  t0?: number;
}

const PEOPLE = ['Abbas Araghchi', 'Steve Witkoff', 'Araghchi', 'Witkoff', 'Friedrich Merz', 'Recep Tayyip Erdogan', 'President Trump', 'Omani mediators', 'Iranian negotiators', 'the US envoy'];
const PLACES = ['Muscat', 'Oman', 'Tehran', 'Washington', 'Iran', 'the Gulf'];
const TOPICS = ['nuclear talks', 'uranium enrichment', 'centrifuges', 'the carrier group', 'the nuclear dossier', 'a framework for a deal', 'the ballistic missile program', 'regional proxy groups', 'military escalation', 'the evacuation warning', 'the security alert', 'a diplomatic breakthrough', 'zero nuclear capacity', 'uranium stockpiles', 'direct talks', 'military options', 'mutual respect', 'equal standing'];
const VERBS = ['urges', 'rejects', 'signals', 'weighs', 'demands', 'questions', 'defends', 'plays down', 'welcomes', 'warns over', 'insists on', 'revisits', 'dismisses', 'praises', 'cautions on'];
const CONNECT = ['ahead of', 'after', 'during', 'before', 'despite', 'amid'];
const EVENTS = ['a late session', 'the second round', 'a breakfast meeting', 'consultations at home', 'a phone call', 'an envoy visit', 'a closed briefing', 'the next round'];

/**
 * `count` distinct stories the app's own tagger finds relevant to the anchor, each with an
 * estimated 3-gram Jaccard similarity under 0.2 to every other (the digest folds at 0.4).
 */
export async function relevantItems(count: number, runTag: string): Promise<LiveItem[]> {
  const [source] = await loadAnchorSources(path.join(ROOT, 'config/anchors'));
  const compiled = compileAnchor(source!);
  const rnd = prng(0x1a7e);
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const out: LiveItem[] = [];
  const sigs: StorySignature[] = [];
  for (let tries = 0; out.length < count; tries++) {
    if (tries > count * 50) throw new Error('could not generate enough distinct relevant items');
    const title = `${pick(PEOPLE)} ${pick(VERBS)} ${pick(TOPICS)} ${pick(CONNECT)} ${pick(EVENTS)} in ${pick(PLACES)}`;
    const summary =
      `${pick(PEOPLE)} ${pick(VERBS)} ${pick(TOPICS)} as ${pick(PEOPLE)} ${pick(VERBS)} ${pick(TOPICS)} ${pick(CONNECT)} ${pick(EVENTS)}. ` +
      `In ${pick(PLACES)}, ${pick(PEOPLE)} ${pick(VERBS)} ${pick(TOPICS)} and ${pick(TOPICS)}, while ${pick(PEOPLE)} ${pick(VERBS)} ${pick(TOPICS)}.`;
    if (out.some((o) => o.title === title) || !tagItem(compiled, { title, summary }).relevant) continue;
    const sig = storySignature(title, summary);
    if (sigs.some((s) => estimateSimilarity(s, sig) >= 0.2)) continue;
    sigs.push(sig);
    const seq = out.length;
    out.push({ seq, guid: `lat-${runTag}-${seq}`, title, summary, link: `http://wire.example/${runTag}/story-${seq}`, pubDate: '' });
  }
  return out;
}
