import nodemailer, { type Transporter } from "nodemailer";
import type { SmtpConfig } from "./config";
import type { DeliveryContext } from "./delivery-store";
import { singleMailbox } from "./mailbox";
import { renderEmail } from "./render-email";
import type { SendResult } from "./webhook-sender";

/** SMTP through one pooled nodemailer transport. */
export class EmailSender {
  private readonly transport: Transporter;

  constructor(
    private readonly smtp: SmtpConfig,
    /** HERALD_PUBLIC_URL: what a link that is a path is resolved against. */
    private readonly publicUrl?: string,
  ) {
    this.transport = nodemailer.createTransport({
      pool: true,
      maxConnections: smtp.poolSize,
      host: smtp.host,
      port: smtp.port,
      secure: smtp.secure,
      ...(smtp.user && { auth: { user: smtp.user, pass: smtp.password ?? "" } }),
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
    });
  }

  /** Sends to `to`, the stored address, only if it is one mailbox: anything else fails for good, unsent. */
  async send(context: DeliveryContext, to: string): Promise<SendResult> {
    const mailbox = singleMailbox(to);
    if (!mailbox.ok) return { ok: false, error: mailbox.reason, durationMs: 0, permanent: true };
    const { subject, text, html } = renderEmail(context.notification, this.publicUrl);
    const started = performance.now();
    try {
      const info = await this.transport.sendMail({
        from: this.smtp.from,
        // An address object is taken as it is; a string would be parsed as a header, lists and groups included.
        to: { name: "", address: mailbox.address },
        subject,
        text,
        html,
        // The same Message-ID on every retry lets mail systems spot a repeat.
        messageId: `<delivery-${context.deliveryId}@herald>`,
        headers: { "X-Herald-Event-Type": context.notification.type },
      });
      return { ok: true, smtpResponse: info.response, durationMs: performance.now() - started };
    } catch (error) {
      const smtpError = error as Error & { response?: string; responseCode?: number };
      // 5xx on the recipient is permanent; connection trouble and 4xx are worth retrying.
      const permanent = smtpError.responseCode !== undefined && smtpError.responseCode >= 500 && smtpError.responseCode < 600;
      return { ok: false, smtpResponse: smtpError.response, error: smtpError.message, durationMs: performance.now() - started, permanent };
    }
  }

  close(): void {
    this.transport.close();
  }
}
