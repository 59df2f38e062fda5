import type { Response } from 'express';
import { AppError, ErrorCodes } from '../errors.ts';

/** Seconds a shed request is told to wait before it tries again. */
const RETRY_AFTER_SECONDS = 1;

/**
 * A per-process cap on reads that scan many items. They share one event loop with every
 * other route, so past the cap a request is refused at once (503 with Retry-After) instead of
 * queueing for seconds and slowing everyone else down.
 */
export class ConcurrencyGate {
  private inFlight = 0;

  constructor(private readonly limit: number) {}

  /** Admits one request until its response closes; throws 503 (Retry-After set) when the cap is reached. */
  enter(res: Response): void {
    if (this.inFlight >= this.limit) {
      res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
      throw new AppError(
        ErrorCodes.unavailable,
        `This process is already running ${this.limit} scanning read(s) (EXPENSIVE_READ_CONCURRENCY); try again in ${RETRY_AFTER_SECONDS} s.`,
        { details: { retryAfter: RETRY_AFTER_SECONDS } },
      );
    }
    this.inFlight++;
    // 'close' fires once, for a finished answer and for a client that went away alike.
    res.once('close', () => {
      this.inFlight--;
    });
  }
}
