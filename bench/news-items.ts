/**
 * The news-like items of the in-process benchmarks (tagging, alerts): deterministic 120-word
 * items mixing the default anchor's vocabulary and names, near-miss look-alikes and off-topic text.
 */
import { prng } from '../workers/prng.ts';

/** Words per generated item (title and summary together). */
export const WORDS_PER_ITEM = 120;

const ON_TOPIC = `talks nuclear enrichment uranium centrifuges diplomacy delegation envoy mediators sanctions
framework deal negotiators warning evacuation embassy carrier strike group military escalation proxy missile
stockpile inspectors breakthrough standoff security alert region Gulf Hormuz`.split(/\s+/);
const OFF_TOPIC = `market shares budget pension football squad festival harvest grapes weather rain council
housing school bridge airline route flights tourism museum library concert election coalition tariffs
rates inflation bank lira parliament speaker streetcar film prize director coach striker merger`.split(/\s+/);
const FILLER = `the a of and in to on for with said that was is by as at from its after before while new two
officials people week said would could also more than about over into their this has been`.split(/\s+/);
const NAMES = [
  'Steve Witkoff', 'Abbas Araghchi', 'Araqchi', 'President Trump', 'Friedrich Merz', 'Erdoğan', 'Muscat', 'Oman',
  'Omani', 'Iran', 'Iranian', "Iran's", 'Tehran', 'Washington', 'ISW', 'the Institute for the Study of War',
  'Oman Air', 'Moscow', 'Berlin', 'Ankara', 'Woman', 'Romania', 'trump card', 'muscatel', 'Muscatine', 'mobile carrier',
];

/** 5,000 deterministic news-like items mixing on-topic and off-topic vocabulary and entity names. */
export function generateItems(n = 5_000, seed = 42): Array<{ title: string; summary: string }> {
  const rnd = prng(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const items: Array<{ title: string; summary: string }> = [];
  for (let i = 0; i < n; i++) {
    const onTopic = rnd() < 0.4;
    const words: string[] = [];
    while (words.length < WORDS_PER_ITEM) {
      const r = rnd();
      if (r < 0.08) words.push(...pick(NAMES).split(' '));
      else if (r < 0.3) words.push(onTopic ? pick(ON_TOPIC) : pick(OFF_TOPIC));
      else words.push(pick(FILLER));
      if (rnd() < 0.07) words[words.length - 1] += '.';
    }
    const title = words.slice(0, 10).map((w) => w[0]!.toUpperCase() + w.slice(1)).join(' ');
    items.push({ title, summary: `${words.slice(10, WORDS_PER_ITEM).join(' ')}.` });
  }
  return items;
}
