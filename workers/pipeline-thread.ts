// Entry point of a pipeline thread (src/pipeline/thread-pool.ts starts it): runs the pure
// steps of polls and tagging that the event loop hands over, and answers with plain data.
import { parentPort } from 'node:worker_threads';
import { createPipelineTasks, threadErrorOf, type PipelineTask } from '../src/pipeline/pipeline-thread-tasks.ts';
import type { Envelope } from '../src/pipeline/thread-pool.ts';

const run = createPipelineTasks();
const port = parentPort!;

// Tasks wait here rather than in the port, so a live task overtakes the bulk ones that
// arrived before it; each lane keeps its order (a drain of collection terms comes after the
// counts posted before it). Shared state applies on arrival: a task names only anchors the
// threads already hold, old versions included while a queued task names them.
const live: Envelope[] = [];
const bulk: Envelope[] = [];
let scheduled = false;

port.on('message', (envelope: Envelope) => {
  if (envelope.shared) {
    void execute(envelope);
    return;
  }
  (envelope.lane === 'live' ? live : bulk).push(envelope);
  if (!scheduled) {
    scheduled = true;
    // setImmediate runs after the poll phase, which delivers every message already sent.
    setImmediate(next);
  }
});

/** Runs one task, then yields so messages sent meanwhile (a live one) are queued before the next. */
function next(): void {
  const envelope = live.shift() ?? bulk.shift();
  if (!envelope) {
    scheduled = false;
    return;
  }
  void execute(envelope).then(() => setImmediate(next));
}

async function execute({ id, task }: Envelope): Promise<void> {
  try {
    const value = await run(task as PipelineTask);
    // id 0: a broadcast or a posted task, which nobody waits for.
    if (id !== 0) port.postMessage({ id, ok: true, value });
  } catch (err) {
    if (id !== 0) port.postMessage({ id, ok: false, error: threadErrorOf(err) });
  }
}
