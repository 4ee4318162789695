import { EVENT_TYPES } from "../src";
import { parseStreamEvent, validateEvent } from "../src/schemas";

const now = new Date("2026-11-22T10:00:00.000Z");
const validate = (input: unknown, pathPrefix?: string) => validateEvent(input, { now, producer: "svc", pathPrefix });

describe("the event catalog", () => {
  it("has the contract's 16 types with their categories and critical flags", () => {
    expect(EVENT_TYPES).toHaveLength(16);
    const critical = EVENT_TYPES.filter((t) => t.critical).map((t) => t.name);
    expect(critical).toEqual(["system.disk_warning", "system.gpu_warning", "system.gpu_critical", "system.restart"]);
    for (const t of EVENT_TYPES) {
      const prefix = t.name.split(".")[0];
      expect(t.category).toBe(prefix === "collab" ? "collaboration" : prefix);
    }
  });
});

describe("validateEvent", () => {
  it("fills in id, occurredAt and producer, and normalizes numeric user ids", () => {
    const result = validate({ type: "job.completed", actorUserId: 7, payload: { ownerUserId: 42, extra: { nested: true } } });
    expect(result).toEqual({
      ok: true,
      event: {
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        type: "job.completed",
        occurredAt: now.toISOString(),
        receivedAt: now.toISOString(),
        actorUserId: "7",
        payload: { ownerUserId: "42", extra: { nested: true } },
        producer: "svc",
      },
    });
  });

  it("keeps the producer's id and normalizes occurredAt to UTC", () => {
    const result = validate({ id: "job-1:done", type: "job.failed", occurredAt: "2026-11-22T12:00:00+02:00", recipients: ["a", "a", "b"] });
    expect(result.ok && result.event).toMatchObject({ id: "job-1:done", occurredAt: "2026-11-22T10:00:00.000Z", recipients: ["a", "b"] });
  });

  it.each([
    ["unknown type", { type: "job.exploded" }, "unknown_event_type", "type"],
    ["missing type", {}, "invalid_event", "type"],
    ["not an object", [1, 2], "invalid_event", ""],
    ["bad occurredAt", { type: "job.failed", occurredAt: "noon" }, "invalid_event", "occurredAt"],
    ["bad id characters", { type: "job.failed", id: "a b" }, "invalid_event", "id"],
    ["unknown top-level field", { type: "job.failed", colour: "red" }, "invalid_event", ""],
    ["source without id", { type: "job.failed", source: { type: "job" } }, "invalid_event", "source.id"],
    ["recipients not a list", { type: "job.failed", recipients: "u1" }, "invalid_event", "recipients"],
    [
      "reviewerUserIds not a list",
      { type: "review.submitted", payload: { reviewerUserIds: "u1" } },
      "invalid_event",
      "payload.reviewerUserIds",
    ],
    ["ownerUserId an object", { type: "job.failed", payload: { ownerUserId: { id: 1 } } }, "invalid_event", "payload.ownerUserId"],
    ["payload not an object", { type: "job.failed", payload: "x" }, "invalid_event", "payload"],
  ])("rejects %s", (_name, input, code, path) => {
    const result = validate(input);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.code).toBe(code);
      expect(result.issues.map((i) => i.path)).toContain(path);
    }
  });

  it("prefixes issue paths with the event's place in a batch", () => {
    const result = validate({ type: "nope" }, "events.3");
    expect(!result.ok && result.issues).toEqual([{ path: "events.3.type", message: "unknown event type" }]);
  });
});

describe("parseStreamEvent", () => {
  it("reads back what validateEvent produced", () => {
    const result = validate({ type: "collab.lock", payload: { notifyUserIds: ["u"] } });
    expect(result.ok && parseStreamEvent(JSON.stringify(result.event))).toEqual(result.ok && result.event);
  });

  it.each([["not json"], ['{"id":"x","type":"nope","occurredAt":"t","payload":{}}'], ['{"type":"job.failed"}']])("rejects %s", (raw) => {
    expect(parseStreamEvent(raw)).toBeUndefined();
  });
});
