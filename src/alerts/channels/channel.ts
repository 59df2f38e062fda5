/**
 * The delivery-channel seam: everything that differs between ways of telling someone about an
 * alert event (a webhook today; e-mail or Slack later) sits behind this interface, and
 * everything they share (the delivery record, retries with backoff, the sweep of lost
 * attempts, metrics) is written once in src/pipeline/deliver-alert.ts. A channel does its I/O
 * only through what the context hands it, so this folder stays free of storage and queues.
 */
import type { AlertRecord, AlertTargets, ChannelKind } from '../../model/alert.ts';
import type { AlertEvent } from '../../model/delivery.ts';
import type { GuardedClient } from '../../net/guarded-client.ts';
import type { MailSender } from '../../net/smtp-mailer.ts';
import type { AttemptVerdict } from '../retry-schedule.ts';

/** How one attempt ended, as the channel saw it. */
export interface AttemptResult {
  /** The receiver's answer code (an HTTP status), or null when it gave none (timeout, refused, blocked). */
  status: number | null;
  /** Why it was not delivered, for the delivery's lastError; null when it was. */
  error: string | null;
}

/** What checking a target may use. */
export interface TargetContext {
  /** Checks a URL against the SSRF policy and gives its canonical form. */
  checkUrl(url: string): Promise<URL>;
}

/** What an attempt may use: the process's guarded client, its SMTP client (null without SMTP_URL) and clock. */
export interface DeliveryContext {
  http: Pick<GuardedClient, 'request'>;
  mail: MailSender | null;
  now(): number;
  /** A receiver that does not answer within this is tried again later. */
  attemptTimeoutMs: number;
}

/** A checked target to store, and what the caller is shown once (a generated secret), if anything. */
export interface CheckedTarget<K extends ChannelKind> {
  target: AlertTargets[K];
  shownOnce: Partial<AlertTargets[K]> | null;
}

/** One way of delivering alert events. */
export interface DeliveryChannel<K extends ChannelKind = ChannelKind> {
  /** The channel's name: the alert's field that holds its target, and each delivery's `channel`. */
  readonly kind: K;
  /** Checks what the caller asked for and gives the target to store; throws AppError (400) when it is unusable. */
  checkTarget(input: TargetInputs[K], ctx: TargetContext): Promise<CheckedTarget<K>>;
  /** The alert's live target on this channel, or null (none, or disabled). */
  targetOf(alert: AlertRecord): AlertTargets[K] | null;
  /** The payload of an event for a target, rendered once when the hit is recorded and sent as it is on every attempt. */
  render(event: AlertEvent, target: AlertTargets[K]): string;
  /** Makes one attempt; `id` is the delivery's id, the same on every attempt. Throws only for faults that are not the receiver's. */
  deliver(delivery: { id: string; body: string }, target: AlertTargets[K], ctx: DeliveryContext): Promise<AttemptResult>;
  /** What the attempt means for the delivery: done, try again later, give up, or stop using the target. */
  classify(result: AttemptResult): AttemptVerdict;
  /** The lastError of a delivery whose receiver said it is gone for good (the target is then disabled). */
  goneReason(result: AttemptResult): string;
}

/** What the API takes for each channel's target. */
export interface TargetInputs {
  webhook: { url: string; secret?: string; format?: 'standard' | 'slack' };
  email: { to: string[] };
}

/** The channels of a process, by kind: the composition root lists them. */
export type DeliveryChannels = { [K in ChannelKind]: DeliveryChannel<K> };
