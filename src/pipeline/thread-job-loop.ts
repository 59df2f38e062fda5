import type { Envelope, ThreadError, ThreadReply } from './thread-pool.ts';

/**
 * Runs one task. A bulk task gets `between`, to await between two slices of its work (a
 * document's records, a large count of terms): the live tasks that have arrived run there.
 */
export type SlicedRunner = (task: unknown, between?: () => Promise<void>) => Promise<unknown>;

/**
 * The job loop of a pipeline thread. Tasks wait here rather than in the port, so a live task
 * overtakes the bulk ones that arrived before it; each lane keeps its order (a drain of
 * collection terms comes after the counts posted before it). A bulk task also lets live
 * tasks in between its slices, so a live task waits for a slice, not for a whole archive's
 * parse and deflate. Shared state applies on arrival: a task names only anchors the thread
 * already holds, old versions included while a queued task names them.
 */
export class ThreadJobLoop {
  private readonly live: Envelope[] = [];
  private readonly bulk: Envelope[] = [];
  private scheduled = false;

  constructor(
    private readonly run: SlicedRunner,
    private readonly reply: (reply: ThreadReply) => void,
    /** A thrown value as plain data for the trip back (threadErrorOf). */
    private readonly errorOf: (err: unknown) => ThreadError,
  ) {}

  /** Takes one message from the port. */
  receive(envelope: Envelope): void {
    if (envelope.shared) {
      void this.execute(envelope);
      return;
    }
    (envelope.lane === 'live' ? this.live : this.bulk).push(envelope);
    if (!this.scheduled) {
      this.scheduled = true;
      // setImmediate runs after the poll phase, which delivers every message already sent.
      setImmediate(this.next);
    }
  }

  /** Runs one task, then yields so messages sent meanwhile (a live one) are queued before the next. */
  private readonly next = (): void => {
    const envelope = this.live.shift() ?? this.bulk.shift();
    if (!envelope) {
      this.scheduled = false;
      return;
    }
    void this.execute(envelope).then(() => setImmediate(this.next));
  };

  /** A bulk task's pause: the messages sent meanwhile arrive, and the live tasks among them run. */
  private readonly between = async (): Promise<void> => {
    await new Promise<void>((resolve) => setImmediate(resolve));
    for (let envelope = this.live.shift(); envelope; envelope = this.live.shift()) await this.execute(envelope);
  };

  private async execute(envelope: Envelope): Promise<void> {
    const { id, task } = envelope;
    try {
      const value = await this.run(task, envelope.lane === 'live' || envelope.shared ? undefined : this.between);
      // id 0: a broadcast or a posted task, which nobody waits for.
      if (id !== 0) this.reply({ id, ok: true, value });
    } catch (err) {
      if (id !== 0) this.reply({ id, ok: false, error: this.errorOf(err) });
    }
  }
}
