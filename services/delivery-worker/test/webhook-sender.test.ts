import { once } from "node:events";
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { Webhook } from "standardwebhooks";
import type { DeliveryContext } from "../src/delivery-store";
import { WebhookSender } from "../src/webhook-sender";

const SECRET = "whsec_" + Buffer.from("a secret of thirty-two bytes!!!!").toString("base64");

const context: DeliveryContext = {
  deliveryId: "42",
  channel: "webhook",
  status: "queued",
  round: 0,
  notification: {
    id: 7,
    eventId: "e-7",
    type: "job.failed",
    category: "job",
    critical: false,
    title: "Job failed",
    body: "train failed",
    createdAt: new Date(),
    occurredAt: new Date(),
    payload: { jobName: "train" },
    count: 1,
    url: null,
    actions: [],
  },
  email: null,
  webhookUrl: null,
  webhookSecret: null,
};

interface Seen {
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  readonly socket: Socket;
}

/** The sender's requests against a real HTTP server on this host, answering as each test says. */
describe("WebhookSender", () => {
  let server: http.Server;
  let base: string;
  const seen: Seen[] = [];
  let answer: (req: http.IncomingMessage, res: http.ServerResponse) => void;
  const sender = new WebhookSender({ timeoutMs: 500, allowedHosts: ["127.0.0.1"] });

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        seen.push({ path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString(), socket: req.socket });
        answer(req, res);
      });
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    seen.length = 0;
    answer = (_req, res) => res.writeHead(204).end();
  });

  it("POSTs the notification with Standard Webhooks headers a receiver can verify", async () => {
    expect(await sender.send(context, `${base}/hook`, SECRET)).toMatchObject({ ok: true, httpStatus: 204 });
    const [request] = seen;
    expect(request!.path).toBe("/hook");
    expect(request!.headers["content-type"]).toBe("application/json");
    expect(request!.headers["webhook-id"]).toBe("msg_42");
    const verified = new Webhook(SECRET).verify(request!.body, {
      "webhook-id": String(request!.headers["webhook-id"]),
      "webhook-timestamp": String(request!.headers["webhook-timestamp"]),
      "webhook-signature": String(request!.headers["webhook-signature"]),
    });
    expect(verified).toMatchObject({ id: "e-7", type: "job.failed", notification: { id: 7, title: "Job failed" } });
  });

  it("keeps the connection alive: consecutive webhooks to one host share it", async () => {
    await sender.send(context, `${base}/a`, SECRET);
    await sender.send(context, `${base}/b`, SECRET);
    expect(seen).toHaveLength(2);
    expect(seen[0]!.socket).toBe(seen[1]!.socket);
  });

  it("does not follow a redirect: a 3xx is the answer, and its Location gets nothing", async () => {
    answer = (req, res) => {
      if (req.url === "/hook") res.writeHead(302, { location: `${base}/elsewhere` }).end();
      else res.writeHead(204).end();
    };
    expect(await sender.send(context, `${base}/hook`, SECRET)).toMatchObject({ ok: false, httpStatus: 302, error: "HTTP 302" });
    expect(seen.map((s) => s.path)).toEqual(["/hook"]);
  });

  it("a non-2xx answer is a failure with its status", async () => {
    answer = (_req, res) => res.writeHead(503).end("busy");
    expect(await sender.send(context, `${base}/hook`, SECRET)).toMatchObject({ ok: false, httpStatus: 503, error: "HTTP 503" });
  });

  it("cuts a receiver that never answers at the timeout", async () => {
    answer = () => undefined;
    const result = await sender.send(context, `${base}/hook`, SECRET);
    expect(result).toMatchObject({ ok: false, error: "timed out after 500 ms" });
    expect(result.durationMs).toBeGreaterThanOrEqual(450);
    expect(result.durationMs).toBeLessThan(5_000);
  });

  it("reads an endless answer only so far: the status stands and the send ends long before the timeout would", async () => {
    answer = (_req, res) => {
      res.writeHead(200);
      const chunk = Buffer.alloc(64 * 1024, "x");
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once("drain", pump);
      };
      res.on("error", () => undefined);
      pump();
    };
    const result = await sender.send(context, `${base}/hook`, SECRET);
    expect(result).toMatchObject({ ok: true, httpStatus: 200 });
    expect(result.durationMs).toBeLessThan(500);
  });

  it("a kept-alive connection the receiver closed as it was reused is retried once on a fresh one, not failed", async () => {
    await sender.send(context, `${base}/first`, SECRET);
    // The receiver drops the idle connection without a word when the next request arrives on it, as a server whose keep-alive
    // timeout ran out at that moment does.
    const idle = seen[0]!.socket;
    answer = (req, res) => {
      if (req.socket === idle) req.socket.destroy();
      else res.writeHead(204).end();
    };
    expect(await sender.send(context, `${base}/second`, SECRET)).toMatchObject({ ok: true, httpStatus: 204 });
    expect(seen.map((s) => s.path)).toEqual(["/first", "/second", "/second"]);
    expect(seen[2]!.socket).not.toBe(idle);
  });
});
