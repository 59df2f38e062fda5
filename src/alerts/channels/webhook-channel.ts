import { isAppError } from '../../errors.ts';
import type { DeliveryChannel } from './channel.ts';
import { verdictOf } from '../retry-schedule.ts';
import { generateWebhookSecret, webhookHeaders } from '../sign-webhook.ts';
import { slackMessage } from './slack-message.ts';

const RESPONSE_CAP_BYTES = 64 * 1024;

/**
 * Webhooks: a POST of the event as JSON, signed the Standard Webhooks way (the same
 * webhook-id on every attempt, a fresh timestamp each time), through the process's guarded
 * client; `format: "slack"` posts a Slack-compatible `{ text, blocks }` message instead of the
 * event, signed the same way. 2xx delivers; 410 disables the webhook; other 4xx (but 408 and 429) fail for good;
 * anything else is retried.
 */
export const webhookChannel: DeliveryChannel<'webhook'> = {
  kind: 'webhook',

  async checkTarget(input, ctx) {
    const url = await ctx.checkUrl(input.url);
    // Where none is supplied, one is generated and shown once; a supplied secret is never echoed.
    const generated = input.secret ? null : generateWebhookSecret();
    return {
      target: { url: url.href, secret: input.secret ?? generated!, disabled: false, format: input.format ?? 'standard' },
      shownOnce: generated ? { secret: generated } : null,
    };
  },

  targetOf(alert) {
    return alert.webhook && !alert.webhook.disabled ? alert.webhook : null;
  },

  render(event, target) {
    return JSON.stringify(target.format === 'slack' ? slackMessage(event) : event);
  },

  async deliver(delivery, target, ctx) {
    try {
      const timestamp = Math.floor(ctx.now() / 1000);
      const response = await ctx.http.request({
        method: 'POST',
        url: target.url,
        headers: { 'content-type': 'application/json', ...webhookHeaders(target.secret, delivery.id, timestamp, delivery.body) },
        body: delivery.body,
        // Receivers answer; they do not redirect. Following one would re-target the signed body.
        maxRedirects: 0,
        totalTimeoutMs: ctx.attemptTimeoutMs,
        maxBytes: RESPONSE_CAP_BYTES,
      });
      const ok = response.status >= 200 && response.status < 300;
      return { status: response.status, error: ok ? null : `HTTP ${response.status}` };
    } catch (err) {
      if (!isAppError(err)) throw err;
      // Body too large still means the receiver answered; every other fault is transient or blocked.
      return { status: null, error: err.message };
    }
  },

  classify(result) {
    return verdictOf(result.status);
  },

  goneReason() {
    return 'HTTP 410 Gone: the webhook was disabled';
  },
};
