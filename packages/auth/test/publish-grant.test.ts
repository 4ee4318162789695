import { grantAllows, publishGrant, publishScope, type PublishGrant } from "../src";

describe("publish scopes", () => {
  it.each<[string[], PublishGrant | undefined]>([
    [["events:publish"], { anyType: true }],
    [["events:publish", "events:publish:system.*"], { anyType: true }],
    [["events:publish:system.*"], { anyType: false, typePatterns: ["system.*"] }],
    [["events:publish:system.*", "events:publish:job.completed"], { anyType: false, typePatterns: ["system.*", "job.completed"] }],
    [["events:publish:system.*", "events:publish:Sys tem"], { anyType: false, typePatterns: ["system.*"] }],
    [[], undefined],
    [["events:read"], undefined],
    [["events:publisher"], undefined],
    [["events:publish:"], undefined],
    [["events:publish:*"], undefined],
    [["events:publish:system*"], undefined],
    [["events:publish:system.**"], undefined],
    [["events:publish:.system"], undefined],
    [["events:publish:system.*.x"], undefined],
    [["events:publish:SYSTEM.*"], undefined],
  ])("scopes %j grant %j", (scopes, grant) => {
    expect(publishGrant(scopes)).toEqual(grant);
  });

  const system: PublishGrant = { anyType: false, typePatterns: ["system.*"] };
  const oneType: PublishGrant = { anyType: false, typePatterns: ["job.completed"] };
  it.each<[PublishGrant, string, boolean]>([
    [{ anyType: true }, "job.completed", true],
    [{ anyType: true }, "system.gpu_critical", true],
    [system, "system.gpu_critical", true],
    [system, "system.restart", true],
    [system, "job.completed", false],
    [system, "system", false],
    [system, "system.", false],
    [system, "systemd.restart", false],
    [system, "collab.system.x", false],
    [oneType, "job.completed", true],
    [oneType, "job.completed.x", false],
    [oneType, "job.failed", false],
    [oneType, "job.*", false],
    [{ anyType: false, typePatterns: ["job.failed", "system.*"] }, "system.disk_warning", true],
    [{ anyType: false, typePatterns: [] }, "system.restart", false],
  ])("%j allows %s: %p", (grant, type, allowed) => {
    expect(grantAllows(grant, type)).toBe(allowed);
  });

  it("names the scope for a pattern, and refuses what is not one", () => {
    expect(publishScope()).toBe("events:publish");
    expect(publishScope("system.*")).toBe("events:publish:system.*");
    expect(publishScope("job.completed")).toBe("events:publish:job.completed");
    for (const bad of ["", "*", "system*", "sys tem.*", "system.*.*"]) expect(() => publishScope(bad)).toThrow(/not an event type pattern/);
  });
});
