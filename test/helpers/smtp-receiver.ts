import { simpleParser, type ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** One message the receiver took: the SMTP envelope and the parsed message. */
export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  parsed: ParsedMail;
}

/** What the receiver answers to a message's DATA: null accepts it, a code (451, 550…) refuses it. */
export type SmtpVerdict = (mail: { to: string[] }) => { code: number; message: string } | null;

/** A real SMTP server on 127.0.0.1 (smtp-server), parsing what it takes with mailparser. */
export interface SmtpReceiver {
  url: string;
  port: number;
  /** Accepted messages, in arrival order. */
  mails: ReceivedMail[];
  /** Refused attempts, counted per recipient list. */
  refusals: number;
  /** Sets what DATA answers (default: accept). */
  answer(verdict: SmtpVerdict): void;
  /** Waits until `n` messages (optionally to one address) have arrived. */
  waitForMails(n: number, to?: string, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

/** Starts an SMTP receiver with no TLS and no authentication (a local test double of a mail server). */
export async function startSmtpReceiver(): Promise<SmtpReceiver> {
  const mails: ReceivedMail[] = [];
  let verdict: SmtpVerdict = () => null;
  const state = { refusals: 0 };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const to = session.envelope.rcptTo.map((r) => r.address);
        const refusal = verdict({ to });
        if (refusal) {
          state.refusals++;
          const err = Object.assign(new Error(refusal.message), { responseCode: refusal.code });
          callback(err);
          return;
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        void simpleParser(raw).then((parsed) => {
          mails.push({ from, to, raw, parsed });
          callback();
        }, callback);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    mails,
    get refusals() {
      return state.refusals;
    },
    answer(next) {
      verdict = next;
    },
    async waitForMails(n, to, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const matching = to ? mails.filter((m) => m.to.includes(to)) : mails;
        if (matching.length >= n) return matching;
        if (Date.now() > deadline) throw new Error(`expected ${n} mails${to ? ` to ${to}` : ''}, got ${matching.length}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
