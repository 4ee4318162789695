import { ServiceProcess } from "../support/service-process";
import { TestStack } from "../support/stack";

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
});
