// `npm run start:api`: the HTTP API alone; run as many as needed against one Redis.
import { runProcess } from './run-process.ts';

await runProcess({ api: true, workers: false });
