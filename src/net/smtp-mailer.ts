import nodemailer, { type Transporter } from 'nodemailer';

/** One e-mail: a text part and an HTML part, with a Message-ID that stays the same on every retry. */
export interface MailMessage {
  to: string[];
  subject: string;
  text: string;
  html: string;
  /** Without angle brackets: `id@host`. */
  messageId: string;
  /** Extra headers (List-Unsubscribe for digests). */
  headers?: Record<string, string>;
}

/** How one send ended: the server's reply code (null when none came: refused, timed out) and why it failed. */
export interface MailResult {
  status: number | null;
  error: string | null;
}

/** What sends mail: the process's SMTP client. */
export interface MailSender {
  send(message: MailMessage): Promise<MailResult>;
}

/** The SMTP client of one process: a pooled nodemailer transport to SMTP_URL, closed with the process. */
export class SmtpMailer implements MailSender {
  private readonly transport: Transporter;

  constructor(
    smtpUrl: string,
    private readonly from: string,
    options: { timeoutMs?: number } = {},
  ) {
    const timeout = options.timeoutMs ?? 30_000;
    this.transport = nodemailer.createTransport({
      url: smtpUrl,
      pool: true,
      maxConnections: 4,
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
    } as Parameters<typeof nodemailer.createTransport>[0]);
  }

  /** Sends one message; an SMTP rejection is a result with its reply code, never a throw. */
  async send(message: MailMessage): Promise<MailResult> {
    try {
      const info = await this.transport.sendMail({
        from: this.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        messageId: `<${message.messageId}>`,
        ...(message.headers ? { headers: message.headers } : {}),
      });
      // Some recipients refused while others took it: the refused ones are the failure to report.
      const rejected = (info.rejected ?? []).map(String);
      if (rejected.length > 0 && (info.accepted ?? []).length === 0) return { status: 550, error: `SMTP refused ${rejected.join(', ')}` };
      return { status: Number(/^(\d{3})/.exec(info.response ?? '')?.[1] ?? 250), error: null };
    } catch (err) {
      const e = err as { responseCode?: number; response?: string; code?: string; message?: string };
      const status = typeof e.responseCode === 'number' ? e.responseCode : null;
      // The server's own words, not the client's stack: no credentials are in either.
      const detail = (e.response ?? e.message ?? 'SMTP error').split('\n')[0]!.slice(0, 300);
      return { status, error: status === null ? `SMTP ${e.code ?? 'error'}: ${detail}` : `SMTP ${status}: ${detail}` };
    }
  }

  /** Closes the pooled connections. */
  close(): void {
    this.transport.close();
  }
}
