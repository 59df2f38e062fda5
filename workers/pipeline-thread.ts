// Entry point of a pipeline thread (src/pipeline/thread-pool.ts starts it): runs the pure
// steps of polls and tagging that the event loop hands over, and answers with plain data.
import { parentPort } from 'node:worker_threads';
import { createPipelineTasks, threadErrorOf, type PipelineTask } from '../src/pipeline/pipeline-thread-tasks.ts';
import { ThreadJobLoop } from '../src/pipeline/thread-job-loop.ts';
import type { Envelope } from '../src/pipeline/thread-pool.ts';

const run = createPipelineTasks();
const port = parentPort!;
// Live tasks first, and between the slices of a bulk one (see ThreadJobLoop).
const loop = new ThreadJobLoop((task, between) => run(task as PipelineTask, between), (reply) => port.postMessage(reply), threadErrorOf);
port.on('message', (envelope: Envelope) => loop.receive(envelope));
