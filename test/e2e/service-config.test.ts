import { loadAuthConfig, signToken } from "@herald/auth";
import { publish } from "../support/clients";
import { ServiceProcess, type ServiceName } from "../support/service-process";
import { TestStack } from "../support/stack";
import { producerToken } from "../support/tokens";

/** Each service validates only the settings it uses: another service's bad setting does not keep it from starting. */
describe("configuration per service", () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await TestStack.create();
  });
  afterAll(() => stack.stop());

  it("router, ingest and delivery-worker start and get ready with GPU_TEMP_CRITICAL_C=1; the hardware monitor refuses it", async () => {
    const env = { GPU_TEMP_CRITICAL_C: "1" };
    const started = await Promise.all((["router", "ingest", "delivery-worker"] as const).map((name) => stack.start(name, { env })));
    for (const service of started) expect((await fetch(`${service.url}/ready`)).status).toBe(200);

    const monitor = ServiceProcess.start("hardware-monitor", stack.env({ ...env, NVIDIA_SMI_PATH: "/nonexistent" }), "health");
    await expect(monitor).rejects.toThrow(/exited with 1[\s\S]*GPU_TEMP_CRITICAL_C must be above GPU_TEMP_WARNING_C/);
  });

  /** The stack's env without a JWT secret (NODE_ENV is unset in every service process the tests start). */
  const withoutSecret = (extra: Record<string, string> = {}) => {
    const { JWT_SECRET: _secret, ...rest } = stack.env(extra);
    return rest;
  };

  /** Why a service did not start; one that starts after all is stopped again, so that no process outlives the test. */
  const startFailure = async (name: ServiceName, env: Record<string, string>): Promise<string> => {
    try {
      await (await ServiceProcess.start(name, env, "health")).kill();
      return `${name} started`;
    } catch (error) {
      return (error as Error).message;
    }
  };

  it("ingest, the gateway and the hardware monitor refuse to start with neither JWT_SECRET nor HERALD_DEV_AUTH, NODE_ENV unset", async () => {
    for (const name of ["ingest", "realtime-gateway"] as const) {
      expect(await startFailure(name, withoutSecret())).toMatch(/exited with 1[\s\S]*JWT_SECRET \(or JWT_PUBLIC_KEY\) must be set/);
    }
    expect(await startFailure("hardware-monitor", withoutSecret({ NVIDIA_SMI_PATH: "/nonexistent" }))).toMatch(
      /exited with 1[\s\S]*HERALD_TOKEN must be set/,
    );
  });

  it("with HERALD_DEV_AUTH=1 and no JWT_SECRET, ingest takes tokens signed with the dev secret and refuses others", async () => {
    const ingest = await ServiceProcess.start("ingest", withoutSecret({ HERALD_DEV_AUTH: "1" }));
    try {
      const devProducer = signToken({ kind: "service", sub: "dev-producer" }, loadAuthConfig({ HERALD_DEV_AUTH: "1" }));
      const event = { type: "job.completed", payload: { ownerUserId: "42" } };
      expect((await publish(ingest.url, devProducer, event)).status).toBe(202);
      expect((await publish(ingest.url, producerToken(), event)).status).toBe(401);
    } finally {
      await ingest.stop();
    }
  });
});
