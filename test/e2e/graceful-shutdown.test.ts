import { api, publish } from "../support/clients";
import { TestStack } from "../support/stack";
import { producerToken, userToken } from "../support/tokens";

/** Contract: every service shuts down gracefully on SIGTERM. */
describe("graceful shutdown", () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await TestStack.create();
    await Promise.all(
      (["ingest", "router", "realtime-gateway", "digest-scheduler", "delivery-worker"] as const).map((name) => stack.start(name)),
    );
  });
  afterAll(() => stack.stop());

  it("each service exits 0 soon after SIGTERM, even with a client's keep-alive connection open", async () => {
    // Leave keep-alive connections open on the HTTP services.
    expect(
      (await publish(stack.service("ingest").url, producerToken(), { type: "job.started", payload: { ownerUserId: "u" } })).status,
    ).toBe(202);
    expect((await api(stack.service("realtime-gateway").url, userToken("u"), "GET", "/api/v1/notifications/unread-count")).status).toBe(
      200,
    );
    for (const name of ["ingest", "router", "realtime-gateway", "digest-scheduler", "delivery-worker"]) {
      const service = stack.service(name);
      const started = Date.now();
      const code = await service.stop("SIGTERM");
      expect({ name, code }).toEqual({ name, code: 0 });
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(service.logs).toContain('"msg":"stopped"');
    }
  });
});
