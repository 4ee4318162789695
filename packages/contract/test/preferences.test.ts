import { defaultPreference, disablesOrMutes, effectivePreference, type Preference, type TenantPreference } from "../src";

const own: Preference = { enabled: false, channels: [], scope: "all" };
const tenantOptional: TenantPreference = { enabled: true, channels: ["in_app", "email"], scope: "my_projects", required: false };
const tenantRequired: TenantPreference = { ...tenantOptional, required: true };
const strip = ({ enabled, channels, scope }: Preference) => ({ enabled, channels, scope });

describe("effectivePreference", () => {
  it.each([
    ["no own, no tenant default: the catalog's", undefined, undefined, defaultPreference("job.failed")],
    ["own, no tenant default: the user's", own, undefined, own],
    ["no own, a tenant default: the tenant's", undefined, tenantOptional, strip(tenantOptional)],
    ["own over an optional tenant default: the user's", own, tenantOptional, own],
    ["own under a required tenant default: the tenant's", own, tenantRequired, strip(tenantRequired)],
    ["no own, a required tenant default: the tenant's", undefined, tenantRequired, strip(tenantRequired)],
  ])("%s", (_, mine, tenant, expected) => {
    expect(effectivePreference("job.failed", mine, tenant)).toEqual(expected);
  });

  it("uses the catalog's default of the type itself (critical types add email)", () => {
    expect(effectivePreference("system.gpu_critical", undefined, undefined).channels).toEqual(["in_app", "email"]);
  });
});

describe("disablesOrMutes", () => {
  it.each([
    [{ enabled: false }, true],
    [{ channels: [] }, true],
    [{ enabled: false, channels: ["in_app" as const] }, true],
    [{ enabled: true }, false],
    [{ channels: ["email" as const] }, false],
    [{ scope: "all" as const }, false],
  ])("%j → %s", (update, expected) => {
    expect(disablesOrMutes(update)).toBe(expected);
  });
});
