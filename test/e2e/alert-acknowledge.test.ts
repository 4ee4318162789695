import type { NotificationItem } from "@herald/contract";
import { api, eventually, publish, RecordingClient, sleep } from "../support/clients";
import { TestStack } from "../support/stack";
import { producerToken, userToken } from "../support/tokens";

/**
 * Hardware alerts carry an acknowledge action for admins. Once an admin of
 * the tenant acknowledges an alertId, its repeats are stored but pushed to
 * no one until it escalates or resolves, and every admin's copy shows who
 * acknowledged and when. Real ingest, router and gateway processes.
 */
describe("acknowledging a hardware alert", () => {
  let stack: TestStack;
  let ingest: string;
  let gateway: string;
  const platform = producerToken("hardware-monitor", ["events:publish:system.*"], "*");
  const ops = userToken("ops", "admin", { tenant: "acme" });
  const oncall = userToken("oncall", "admin", { tenant: "acme" });

  beforeAll(async () => {
    stack = await TestStack.create();
    [{ url: ingest }, { url: gateway }] = await Promise.all([
      stack.start("ingest"),
      stack.start("realtime-gateway"),
      stack.start("router"),
    ]);
  });
  afterAll(() => stack.stop());

  let seq = 0;
  const alert = (type: string, severity: string, state = "firing") =>
    publish(ingest, platform, {
      id: `gpu-7-a1-${++seq}`,
      type,
      tenantId: "acme",
      payload: { host: "gpu-7", gpuIndex: 0, value: 91, alertId: "a1", severity, state },
    });
  const pushedTypes = (socket: RecordingClient) => socket.notifications.map((n) => `${n.type}:${(n.payload as { state: string }).state}`);

  it("both admins get the button; two acks at once are one; repeats are listed, not pushed; escalation and resolve are pushed", async () => {
    const [a, b] = [new RecordingClient(gateway, ops), new RecordingClient(gateway, oncall)];
    await Promise.all([a.connected(), b.connected()]);
    expect((await alert("system.gpu_warning", "warning")).status).toBe(202);
    const [first, other] = await Promise.all([
      eventually(() => a.notifications[0], 10_000, "ops's alert"),
      eventually(() => b.notifications[0], 10_000, "oncall's alert"),
    ]);
    expect(first.actions).toEqual([{ id: "acknowledge", label: "Acknowledge" }]);
    expect(other.actions).toEqual([{ id: "acknowledge", label: "Acknowledge" }]);

    const acks = await Promise.all([
      api(gateway, ops, "POST", `/api/v1/notifications/${first.id}/actions/acknowledge`),
      api(gateway, oncall, "POST", `/api/v1/notifications/${other.id}/actions/acknowledge`),
    ]);
    expect(acks.map((r) => r.status)).toEqual([202, 202]);
    const rows = await stack.db.query<{ acknowledged_by: string; severity: string }>(
      `SELECT acknowledged_by, severity FROM alert_acknowledgements`,
    );
    expect(rows).toHaveLength(1);
    expect(["ops", "oncall"]).toContain(rows[0]!.acknowledged_by);

    // A repeat at the same severity: stored and listed for both, pushed to neither.
    expect((await alert("system.gpu_warning", "warning")).status).toBe(202);
    const listed = await eventually(async () => {
      const items = (await api(gateway, oncall, "GET", "/api/v1/notifications")).body.items as NotificationItem[];
      return items.length === 2 ? items : undefined;
    });
    expect(listed[0]).toMatchObject({ acknowledgedBy: rows[0]!.acknowledged_by, acknowledgedAt: expect.any(String) });
    expect(listed[1]).toMatchObject({ acknowledgedBy: rows[0]!.acknowledged_by });
    await sleep(500);
    expect(a.notifications).toHaveLength(1);
    expect(b.notifications).toHaveLength(1);

    // It escalates: pushed to both.
    expect((await alert("system.gpu_critical", "critical")).status).toBe(202);
    await eventually(() => (a.notifications.length === 2 && b.notifications.length === 2 ? true : undefined), 10_000, "the escalation");
    // The warning's acknowledgement does not speak for the critical copy: it shows no acknowledger and still asks for one.
    const [escalated, ...earlier] = (await api(gateway, oncall, "GET", "/api/v1/notifications")).body.items as NotificationItem[];
    expect(escalated).toMatchObject({ type: "system.gpu_critical", actions: [{ id: "acknowledge", label: "Acknowledge" }] });
    expect(escalated).not.toHaveProperty("acknowledgedBy");
    expect(earlier.map((n) => n.acknowledgedBy)).toEqual([rows[0]!.acknowledged_by, rows[0]!.acknowledged_by]);
    // It resolves: pushed to both.
    expect((await alert("system.gpu_warning", "warning", "resolved")).status).toBe(202);
    await eventually(() => (a.notifications.length === 3 && b.notifications.length === 3 ? true : undefined), 10_000, "the resolve");
    expect(pushedTypes(a)).toEqual(["system.gpu_warning:firing", "system.gpu_critical:firing", "system.gpu_warning:resolved"]);
    expect(pushedTypes(b)).toEqual(pushedTypes(a));
    expect(a.notifications[2]!.actions).toEqual([]);

    const decisions = await api(ingest, ops, "GET", `/api/v1/admin/events/gpu-7-a1-2/decisions`);
    expect(decisions.body.items.map((d: { outcome: string }) => d.outcome)).toEqual(["held", "held"]);
    a.close();
    b.close();
  });

  it("a user who follows alerts but is no admin gets no button, and acting on one is a 404", async () => {
    const member = userToken("dev", "user", { tenant: "acme" });
    expect((await api(gateway, member, "PUT", "/api/v1/notifications/preferences/system.gpu_warning", { scope: "all" })).status).toBe(200);
    expect(
      (
        await publish(ingest, platform, {
          id: "gpu-8-b1",
          type: "system.gpu_warning",
          tenantId: "acme",
          payload: { host: "gpu-8", alertId: "b1" },
        })
      ).status,
    ).toBe(202);
    const [copy] = await eventually(async () => {
      const items = (await api(gateway, member, "GET", "/api/v1/notifications")).body.items as NotificationItem[];
      return items.length > 0 ? items : undefined;
    });
    expect(copy!.actions).toEqual([]);
    expect((await api(gateway, member, "POST", `/api/v1/notifications/${copy!.id}/actions/acknowledge`)).status).toBe(404);
    expect(await stack.db.query(`SELECT 1 FROM alert_acknowledgements WHERE alert_id = 'b1'`)).toEqual([]);
  });
});
