// Child process that runs compromise on one source piece, so the API's event loop never does.
// Receives an AnchorSource over IPC, answers { entities } or { error }, then exits.
import type { AnchorSource } from '../src/model/anchor.ts';
import { extractEntities } from '../src/tagging/extract-entities.ts';

process.once('message', (source: AnchorSource) => {
  try {
    process.send!({ entities: extractEntities(source) }, () => process.exit(0));
  } catch (err) {
    process.send!({ error: err instanceof Error ? err.message : String(err) }, () => process.exit(1));
  }
});
