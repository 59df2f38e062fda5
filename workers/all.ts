// `npm start`: the API and every worker in one process, for small installs.
import { runProcess } from './run-process.ts';

await runProcess({ api: true, workers: true });
