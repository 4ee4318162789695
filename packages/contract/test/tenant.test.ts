import { DEFAULT_TENANT, eventTenant, splitTenantKey, tenantKey } from "../src";

describe("tenant keys", () => {
  it.each([
    ["default", "42"],
    ["acme", "42"],
    ["acme", "a/b:c@d"],
    ["globex", "acme/42"],
  ])("split back into tenant %s and id %s", (tenant, id) => {
    expect(splitTenantKey(tenantKey(tenant, id))).toEqual({ tenant, id });
  });

  it("leave default's ids as they are, so rows from before tenants keep their keys", () => {
    expect(tenantKey(DEFAULT_TENANT, "42")).toBe("42");
  });

  it("never give two tenants' users one key, whatever the ids look like", () => {
    const keys = [
      tenantKey("default", "acme/42"),
      tenantKey("acme", "42"),
      tenantKey("default", "acme:42"),
      tenantKey("acme", "42/"),
      tenantKey("acme.x", "42"),
      tenantKey("acme", ".x42"),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe("eventTenant", () => {
  it.each([
    ["acme", undefined, "acme"],
    ["acme", "acme", "acme"],
    ["acme", "globex", undefined],
    ["default", "acme", undefined],
    ["*", "acme", "acme"],
    ["*", undefined, "default"],
  ])("a token of tenant %s naming %s → %s", (producer, named, expected) => {
    expect(eventTenant(producer, named)).toBe(expected);
  });
});
