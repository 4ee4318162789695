import { publishRouteOf } from "../src/publish/publish-route";

describe("publishRouteOf: the requests the lean publish handler takes from Express", () => {
  it.each<[string, string, "single" | "batch" | undefined]>([
    ["POST", "/api/v1/events", "single"],
    ["POST", "/api/v1/events/", "single"],
    ["POST", "/api/v1/events?x=1", "single"],
    ["POST", "/API/V1/Events", "single"],
    ["POST", "/api/v1/events/batch", "batch"],
    ["POST", "/api/v1/events/batch/", "batch"],
    ["POST", "/api/v1/events/Batch?dry=1", "batch"],
    // Everything else is Express's.
    ["GET", "/api/v1/events", undefined],
    ["PUT", "/api/v1/events/batch", undefined],
    ["POST", "/api/v1/events//batch", undefined],
    ["POST", "/api/v1/events/batch/x", undefined],
    ["POST", "/api/v1/eventsbatch", undefined],
    ["POST", "/api/v1/events%2Fbatch", undefined],
    ["POST", "/api/v1/admin/deliveries", undefined],
    ["POST", "/api/v1/event", undefined],
    ["POST", "/", undefined],
  ])("%s %s → %s", (method, url, route) => {
    expect(publishRouteOf(method, url)).toBe(route);
  });

  it("takes nothing without a method or a URL", () => {
    expect(publishRouteOf(undefined, "/api/v1/events")).toBeUndefined();
    expect(publishRouteOf("POST", undefined)).toBeUndefined();
  });
});
