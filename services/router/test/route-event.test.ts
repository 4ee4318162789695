import type { HeraldEvent } from "@herald/core";
import { routeEvent } from "../src/route-event";

const base = { id: "e1", occurredAt: "2026-01-01T00:00:00.000Z", receivedAt: "2026-01-01T00:00:00.000Z" };

describe("routeEvent", () => {
  it("gives non-critical notifications the in-app default channel", () => {
    const drafts = routeEvent({ ...base, type: "job.failed", payload: { ownerUserId: "u1", jobName: "etl", error: "OOM" } } as HeraldEvent, []);
    expect(drafts).toEqual([
      { eventId: "e1", userId: "u1", eventType: "job.failed", category: "job", critical: false, title: "Job failed", body: "etl failed: OOM", channels: ["in_app"] },
    ]);
  });

  it("sends critical events to admins in-app and by email", () => {
    const drafts = routeEvent(
      { ...base, type: "system.gpu_critical", payload: { host: "gpu-7", gpuIndex: 3, metric: "temperature", value: 92, threshold: 90 } } as HeraldEvent,
      ["root"],
    );
    expect(drafts).toEqual([
      expect.objectContaining({ userId: "root", critical: true, category: "system", channels: ["in_app", "email"], body: "gpu-7 GPU 3 temperature 92 (threshold 90)" }),
    ]);
  });

  it("prefers the producer's message and keeps bodies short", () => {
    const [draft] = routeEvent({ ...base, type: "collab.mention", payload: { mentionedUserIds: ["u"], message: "m".repeat(900) } } as HeraldEvent, []);
    expect(draft!.body).toHaveLength(500);
    expect(draft!.body.endsWith("…")).toBe(true);
  });

  it("keeps markup as text (renderers escape it)", () => {
    const [draft] = routeEvent({ ...base, type: "review.comment", payload: { contentOwnerUserId: "u", title: "<img src=x>", comment: "hi" } } as HeraldEvent, []);
    expect(draft!.body).toBe("New comment on <img src=x>: hi");
  });
});
