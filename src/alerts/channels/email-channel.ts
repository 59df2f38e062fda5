import { AppError, ErrorCodes } from '../../errors.ts';
import type { DeliveryChannel } from './channel.ts';
import { renderAlertEmail, type AlertEmail } from './alert-email.ts';

/** The host part of every alert e-mail's Message-ID. */
const MESSAGE_ID_HOST = 'alerts.anchorwatch';

/**
 * E-mail alerts: one message per hit (text and HTML parts) through the process's SMTP client.
 * The SMTP reply decides: 2xx delivers; 4xx (a full mailbox, greylisting, a busy server), no
 * answer at all and a refused connection are retried with backoff; 5xx fails at once. The
 * Message-ID is the delivery's id, the same on every retry, so a receiver can drop a copy.
 */
export function emailChannel(options: { configured: boolean }): DeliveryChannel<'email'> {
  return {
    kind: 'email',

    async checkTarget(input) {
      if (!options.configured) {
        throw new AppError(ErrorCodes.validation, 'E-mail delivery needs a mail server: this installation has no SMTP_URL.', {
          fieldErrors: [{ field: 'email', message: 'SMTP_URL is not set on the server' }],
        });
      }
      const to = [...new Set(input.to.map((a) => a.trim().toLowerCase()))];
      return { target: { to, disabled: false }, shownOnce: null };
    },

    targetOf(alert) {
      return alert.email && !alert.email.disabled ? alert.email : null;
    },

    render(event) {
      return JSON.stringify(renderAlertEmail(event));
    },

    async deliver(delivery, target, ctx) {
      if (!ctx.mail) return { status: null, error: 'No SMTP_URL in this process: the e-mail waits for one.' };
      const mail = JSON.parse(delivery.body) as AlertEmail;
      return ctx.mail.send({ to: target.to, subject: mail.subject, text: mail.text, html: mail.html, messageId: `${delivery.id}@${MESSAGE_ID_HOST}` });
    },

    classify(result) {
      if (result.status === null) return 'retry';
      if (result.status >= 200 && result.status < 400) return 'delivered';
      if (result.status >= 400 && result.status < 500) return 'retry';
      return 'failed';
    },

    goneReason(result) {
      return result.error ?? 'The mail server refused the address.';
    },
  };
}
