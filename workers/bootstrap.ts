import type { Logger } from 'pino';
import type { Config } from '../src/config.ts';
import { registerAnchorSource } from '../src/pipeline/register-anchor.ts';
import { registerFeedsFile } from '../src/pipeline/register-feeds-file.ts';
import { enqueueRetag, type Queues } from '../src/queue/queues.ts';
import { loadAnchorSources } from '../src/tagging/anchor-file.ts';
import { extractEntities } from '../src/tagging/extract-entities.ts';
import type { Stores } from './open-stores.ts';

/**
 * Registers the anchors of ANCHORS_DIR and the feeds of FEEDS_FILE. Idempotent, so every
 * process may run it at start: unchanged anchors and known feeds are left alone.
 */
export async function bootstrap(config: Config, stores: Stores, queues: Queues, log: Logger): Promise<void> {
  const sources = await loadAnchorSources(config.anchorsDir);
  for (const source of sources) {
    const record = await registerAnchorSource(source, {
      anchors: stores.anchors,
      extract: async (s) => extractEntities(s),
      requestRetag: (anchorId, version, options) => enqueueRetag(queues.retag, anchorId, version, options),
      now: Date.now,
    });
    log.info({ anchorId: record.id, version: record.version, entities: record.entities.length }, 'anchor ready');
  }
  if (config.feedsFile) {
    const { added, existing } = await registerFeedsFile(config.feedsFile, stores.feeds, Date.now());
    log.info({ file: config.feedsFile, added, existing }, 'feeds file registered');
  }
}
