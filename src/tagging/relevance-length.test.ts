import { describe, expect, it } from 'vitest';
import { loadAnchorSources } from './anchor-file.ts';
import { compileAnchor, tagItem } from './compile-anchor.ts';

const [source] = await loadAnchorSources('config/anchors');
const anchor = compileAnchor(source!);

describe('relevance on long descriptions', () => {
  it('does not let a long off-topic text pass on the number of weakly related words', () => {
    const paragraph =
      'Officials said the council budget vote was expected on Tuesday after a week of meetings with the union over pension rates, ' +
      'while the bank reported quarterly profit and the airline route to the coast resumed. Sources familiar with the matter told ' +
      'reporters the coalition would meet again; the court verdict on the factory strike is expected later, according to a statement ' +
      'from the spokesperson for the hospital, whose patients were moved before the weather warning. The museum, library and concert ' +
      'hall reopened as rain eased and inflation data came in above forecasts, the election commission said.';
    const result = tagItem(anchor, { title: 'Council budget vote expected after union meetings', summary: paragraph });
    expect(result.relevant).toBe(false);
  });

  it('keeps a long on-topic text relevant', () => {
    const paragraph =
      'Steve Witkoff and Abbas Araghchi met for a second session in Muscat on Tuesday, Omani mediators said, as negotiators traded ' +
      'proposals on uranium enrichment and the stockpile. The delegations discussed a framework for a deal while a US carrier group ' +
      'stayed in the region. Iranian officials said sanctions relief was a precondition; the White House said military options remained. ' +
      'Analysts at the Institute for the Study of War said the nuclear dossier was unlikely to close soon, and the embassy warning stood.';
    expect(tagItem(anchor, { title: 'Second round of Muscat talks ends without a deal', summary: paragraph }).relevant).toBe(true);
  });
});
