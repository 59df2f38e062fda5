// `npm run start:worker`: the queue workers alone; run as many as needed against one Redis.
import { runProcess } from './run-process.ts';

await runProcess({ api: false, workers: true });
