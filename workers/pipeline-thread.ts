// Entry point of a pipeline thread (src/pipeline/thread-pool.ts starts it): runs the pure
// steps of polls and tagging that the event loop hands over, and answers with plain data.
import { parentPort } from 'node:worker_threads';
import { createPipelineTasks, threadErrorOf, type PipelineTask } from '../src/pipeline/pipeline-thread-tasks.ts';

const run = createPipelineTasks();
const port = parentPort!;
port.on('message', async ({ id, task }: { id: number; task: PipelineTask }) => {
  try {
    const value = await run(task);
    // id 0: a broadcast or a posted task, which nobody waits for.
    if (id !== 0) port.postMessage({ id, ok: true, value });
  } catch (err) {
    if (id !== 0) port.postMessage({ id, ok: false, error: threadErrorOf(err) });
  }
});
