import { ApiError } from "@herald/contract";
import { deliveryListQuerySchema, parseDeliveryId, parseUserId, userProvisionSchema } from "../src/operator/admin-requests";
import { parseBody, parseQuery } from "@herald/runtime";

function rejection(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error("expected an ApiError");
}

describe("deliveries list query", () => {
  it("defaults the limit and keeps the filters", () => {
    expect(parseQuery(deliveryListQuerySchema, {})).toEqual({ limit: 50 });
    expect(
      parseQuery(deliveryListQuerySchema, { status: "dead_lettered", channel: "email", userId: "42", cursor: "17", limit: "5" }),
    ).toEqual({
      status: "dead_lettered",
      channel: "email",
      userId: "42",
      cursor: "17",
      limit: 5,
    });
  });

  it("names every bad parameter, unknown ones included", () => {
    const error = rejection(() => parseQuery(deliveryListQuerySchema, { status: "lost", limit: "0", cursor: "x", page: "2" }));
    expect(error.status).toBe(400);
    expect(error.code).toBe("invalid_query");
    expect(error.message).toBe("invalid query parameter(s): status, cursor, limit, page");
    expect(error.details).toEqual(
      expect.arrayContaining([
        { path: "page", message: "unknown parameter" },
        { path: "cursor", message: "must be a cursor returned by a previous page" },
      ]),
    );
  });
});

describe("ids", () => {
  it("takes a delivery id as a positive BIGINT", () => {
    expect(parseDeliveryId("42")).toBe(42n);
    expect(parseDeliveryId("999999999999999999")).toBe(999_999_999_999_999_999n);
    for (const bad of ["0", "-1", "01", "1.5", "abc", "", "1234567890123456789"]) {
      expect(rejection(() => parseDeliveryId(bad))).toMatchObject({ status: 400, code: "invalid_id" });
    }
  });

  it("takes any user id a token could carry, short of control characters", () => {
    expect(parseUserId("dana@corp/eu 1")).toBe("dana@corp/eu 1");
    for (const bad of ["", "a\u0000b", "line\nbreak", "x".repeat(257), "lone\ud800"]) {
      expect(rejection(() => parseUserId(bad))).toMatchObject({ status: 400, code: "invalid_id" });
    }
  });
});

describe("user provisioning body", () => {
  it("accepts any subset, de-duplicates projects and lets null clear the email", () => {
    expect(parseBody(userProvisionSchema, {})).toEqual({});
    expect(parseBody(userProvisionSchema, { email: null, role: "admin", projects: ["a", "b", "a"] })).toEqual({
      email: null,
      role: "admin",
      projects: ["a", "b"],
    });
  });

  it("names each bad field", () => {
    const error = rejection(() => parseBody(userProvisionSchema, { email: "nope", role: "root", projects: ["ok", ""], colour: "red" }));
    expect(error.code).toBe("invalid_body");
    expect(error.message).toBe("invalid field(s): email, role, projects.1, colour");
  });

  it("refuses a body that is not an object", () => {
    expect(rejection(() => parseBody(userProvisionSchema, ["admin"])).message).toBe("invalid field(s): body");
  });
});
