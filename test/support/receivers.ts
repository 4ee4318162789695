import http from "node:http";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { simpleParser, type ParsedMail } from "mailparser";

export interface ReceivedRequest {
  readonly at: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/**
 * A real HTTP server standing in for a user's webhook endpoint. `respond`
 * decides each answer: a status code, or "hang" to never answer.
 */
export class WebhookReceiver {
  readonly requests: ReceivedRequest[] = [];
  private readonly server: http.Server;
  private readonly hanging = new Set<http.ServerResponse>();

  constructor(public respond: (index: number) => number | "hang" = () => 200) {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const index = this.requests.length;
        this.requests.push({ at: Date.now(), headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
        const answer = this.respond(index);
        if (answer === "hang") {
          this.hanging.add(res);
          return;
        }
        res.writeHead(answer, { "content-type": "text/plain" }).end(answer < 300 ? "ok" : "nope");
      });
    });
  }

  async start(): Promise<this> {
    this.server.listen(0, "127.0.0.1");
    await once(this.server, "listening");
    return this;
  }

  /** Answers every request left hanging so far with `status`. */
  answerHanging(status: number): void {
    for (const res of this.hanging) if (!res.destroyed) res.writeHead(status, { "content-type": "text/plain" }).end("late");
    this.hanging.clear();
  }

  url(host = "127.0.0.1", path = "/hooks/herald"): string {
    return `http://${host}:${(this.server.address() as AddressInfo).port}${path}`;
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** A real SMTP server (smtp-server) that parses every message it accepts. */
export class SmtpCatcher {
  readonly messages: ParsedMail[] = [];
  /** Every address named in a RCPT TO, in the order the server accepted them: who really got mail. */
  readonly recipients: string[] = [];
  private readonly server: SMTPServer;

  constructor() {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS"],
      logger: false,
      onRcptTo: (address, _session, callback) => {
        this.recipients.push(address.address);
        callback();
      },
      onData: (stream, _session, callback) => {
        simpleParser(stream).then(
          (mail) => {
            this.messages.push(mail);
            callback();
          },
          (error: Error) => callback(error),
        );
      },
    });
  }

  async start(): Promise<this> {
    this.server.listen(0, "127.0.0.1");
    await once(this.server.server, "listening");
    return this;
  }

  get port(): number {
    return (this.server.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
