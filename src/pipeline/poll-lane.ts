import type { Lane } from './thread-pool.ts';

/**
 * The lane of a feed's poll: a feed read before brings news ('live': its own poll queue, the
 * threads' live lane), a feed never read brings its archive ('bulk').
 */
export function pollLaneOf(feed: { lastPoll: unknown }): Lane {
  return feed.lastPoll === null ? 'bulk' : 'live';
}
