import { publish, sleep } from "../support/clients";
import { TestStack } from "../support/stack";
import { producerToken } from "../support/tokens";

const PER_SECOND = 20;
const HEADROOM = 5;

/** TENANT_MAX_EVENTS_PER_SECOND: a tenant over it gets 429 while the others keep publishing. A real ingest process. */
describe("per-tenant admission", () => {
  let stack: TestStack;
  let ingest: string;
  const acme = producerToken("ci", undefined, "acme");
  const acmeOther = producerToken("billing", undefined, "acme");
  const globex = producerToken("ci", undefined, "globex");
  const platform = producerToken("hardware-monitor", ["events:publish:system.*"], "*");
  const batch = (n: number) => ({ events: Array.from({ length: n }, () => ({ type: "job.started", payload: { ownerUserId: "42" } })) });

  beforeAll(async () => {
    stack = await TestStack.create();
    ingest = (
      await stack.start("ingest", {
        env: { TENANT_MAX_EVENTS_PER_SECOND: String(PER_SECOND), TENANT_CRITICAL_HEADROOM_PER_SECOND: String(HEADROOM) },
      })
    ).url;
  });
  afterAll(() => stack.stop());

  /** The window is ingest's clock second (same machine): start a fresh one, early, so the requests below share it. */
  const startOfSecond = () => sleep(1000 - (Date.now() % 1000) + 10);

  it("counts every producer of the tenant together; past the limit 429 tenant_rate_limited with Retry-After, nothing enqueued", async () => {
    await startOfSecond();
    expect((await publish(ingest, acme, batch(15), { path: "/batch" })).status).toBe(202);
    expect((await publish(ingest, acmeOther, batch(5), { path: "/batch" })).status).toBe(202);
    const before = await stack.streamLength();
    const refused = await publish(ingest, acme, batch(1), { path: "/batch" });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(refused.body!.error).toMatchObject({
      code: "tenant_rate_limited",
      message: expect.stringContaining(`${PER_SECOND} events per second`),
    });
    // Other tenants, and platform producers naming this one, are not held back by it.
    expect((await publish(ingest, globex, batch(10), { path: "/batch" })).status).toBe(202);
    expect(
      (await publish(ingest, platform, { type: "system.disk_warning", tenantId: "acme", payload: { host: "h1", value: 3 } })).status,
    ).toBe(202);
    expect(await stack.streamLength()).toBe(before + 11);
    // The next second admits the tenant again.
    await sleep(1000 - (Date.now() % 1000) + 50);
    expect((await publish(ingest, acme, batch(1), { path: "/batch" })).status).toBe(202);
  });

  it("critical events of a tenant past its limit still get in, up to the critical headroom", async () => {
    const critical = (n: number) => ({
      events: Array.from({ length: n }, (_, i) => ({ type: "system.gpu_critical", payload: { host: `h${i}`, value: 95 } })),
    });
    await startOfSecond();
    expect((await publish(ingest, acme, batch(PER_SECOND), { path: "/batch" })).status).toBe(202);
    expect((await publish(ingest, acme, batch(1), { path: "/batch" })).status).toBe(429);
    expect((await publish(ingest, acme, critical(HEADROOM), { path: "/batch" })).status).toBe(202);
    const over = await publish(ingest, acme, critical(1), { path: "/batch" });
    expect(over).toMatchObject({ status: 429, body: { error: { code: "tenant_rate_limited" } } });
  });

  it("a batch larger than a second's worth could never pass: 413 batch_too_large, not an endless 429", async () => {
    const res = await publish(ingest, acme, batch(PER_SECOND + 1), { path: "/batch" });
    expect(res.status).toBe(413);
    expect(res.body!.error).toMatchObject({ code: "batch_too_large", message: expect.stringContaining("split it") });
  });
});
