import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { DeliveryContext } from "../src/delivery-store";
import { WebhookSender } from "../src/webhook-sender";

/** Which destinations a webhook may reach, against real HTTP servers on this host. */
describe("webhook destinations and WEBHOOK_ALLOWED_HOSTS", () => {
  const servers: http.Server[] = [];
  const received: number[] = [];
  let allowedPort: number;
  let otherPort: number;

  async function receiver(): Promise<number> {
    const server = http.createServer((req, res) => {
      received.push((req.socket.address() as AddressInfo).port);
      res.writeHead(204).end();
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    servers.push(server);
    return (server.address() as AddressInfo).port;
  }

  beforeAll(async () => {
    [allowedPort, otherPort] = await Promise.all([receiver(), receiver()]);
  });
  afterAll(() => Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve)))));
  beforeEach(() => (received.length = 0));

  const context: DeliveryContext = {
    deliveryId: "1",
    channel: "webhook",
    status: "queued",
    round: 1,
    notification: {
      id: 1,
      eventId: "e-1",
      type: "job.failed",
      category: "job",
      critical: false,
      title: "Job failed",
      body: "train failed",
      createdAt: new Date(),
      occurredAt: new Date(),
      payload: {},
      count: 1,
      url: null,
      actions: [],
    },
    email: null,
    webhookUrl: null,
    webhookSecret: null,
  };
  const send = (allowedHosts: string[], url: string) =>
    new WebhookSender({ timeoutMs: 5_000, allowedHosts }).send(context, url, "whsec_" + Buffer.from("secret").toString("base64"));

  it("a host:port entry lets webhooks reach that port of the host, and no other", async () => {
    const allowed = [`localhost:${allowedPort}`];
    expect(await send(allowed, `http://localhost:${allowedPort}/hook`)).toMatchObject({ ok: true, httpStatus: 204 });
    expect(await send(allowed, `http://localhost:${otherPort}/hook`)).toMatchObject({
      ok: false,
      permanent: true,
      error: expect.stringContaining("refused"),
    });
    expect(received).toEqual([allowedPort]);
  });

  it("a host entry without a port still allows every port", async () => {
    expect(await send(["localhost"], `http://localhost:${allowedPort}/hook`)).toMatchObject({ ok: true });
    expect(await send(["localhost"], `http://localhost:${otherPort}/hook`)).toMatchObject({ ok: true });
  });

  it("checks IP literals when connecting too, port and all (a URL saved under an older policy gets no further)", async () => {
    const allowed = [`127.0.0.1:${allowedPort}`];
    expect(await send(allowed, `http://127.0.0.1:${allowedPort}/hook`)).toMatchObject({ ok: true });
    for (const url of [
      `http://127.0.0.1:${otherPort}/hook`,
      `http://[::127.0.0.1]:${allowedPort}/hook`,
      `http://[::ffff:127.0.0.1]:${otherPort}/`,
    ]) {
      expect({ url, result: await send(allowed, url) }).toMatchObject({
        url,
        result: { ok: false, permanent: true, error: expect.stringContaining("refused") },
      });
    }
    expect(received).toEqual([allowedPort]);
  });
});
