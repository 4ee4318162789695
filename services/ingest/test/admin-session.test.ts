import { readCookie, requestOrigin, sessionCookieOptions } from "../src/operator/admin-session";
import { sessionTtlMs } from "../src/operator/admin-session-store";

describe("readCookie", () => {
  it("finds one cookie among several and decodes it", () => {
    expect(readCookie("a=1; herald_admin=eyJ.x-y_z; b=2", "herald_admin")).toBe("eyJ.x-y_z");
    expect(readCookie("herald_admin=%3Cv%3E", "herald_admin")).toBe("<v>");
    expect(readCookie('herald_admin="quoted"', "herald_admin")).toBe("quoted");
  });

  it("does not mistake a longer or shorter name, and tolerates garbage", () => {
    expect(readCookie("xherald_admin=1; herald_adminx=2", "herald_admin")).toBeUndefined();
    expect(readCookie("herald_admin=%E0%A4%A", "herald_admin")).toBeUndefined();
    expect(readCookie("novalue; ;", "herald_admin")).toBeUndefined();
    expect(readCookie(undefined, "herald_admin")).toBeUndefined();
  });
});

describe("requestOrigin", () => {
  const host = "ingest.example:3000";

  it("is same for our own host, by Origin or else Referer, whatever the scheme (TLS may end at a proxy)", () => {
    expect(requestOrigin({ host, origin: "http://ingest.example:3000" })).toBe("same");
    expect(requestOrigin({ host, origin: "https://INGEST.example:3000" })).toBe("same");
    expect(requestOrigin({ host, referer: "http://ingest.example:3000/admin/queues/queue/x" })).toBe("same");
  });

  it("is cross for another host or port, an opaque origin, or a garbled one", () => {
    expect(requestOrigin({ host, origin: "http://evil.example" })).toBe("cross");
    expect(requestOrigin({ host, origin: "http://ingest.example:3001" })).toBe("cross");
    expect(requestOrigin({ host, origin: "http://ingest.example.evil.example:3000" })).toBe("cross");
    expect(requestOrigin({ host, origin: "null" })).toBe("cross");
    expect(requestOrigin({ host, referer: "not a url" })).toBe("cross");
    expect(requestOrigin({ origin: "http://ingest.example:3000" })).toBe("cross");
  });

  it("lets Origin win over Referer", () => {
    expect(requestOrigin({ host, origin: "http://evil.example", referer: "http://ingest.example:3000/" })).toBe("cross");
  });

  it("is unknown when the request names neither (not a browser)", () => {
    expect(requestOrigin({ host })).toBe("unknown");
  });
});

describe("sessionCookieOptions", () => {
  it("is HttpOnly, SameSite=Strict, scoped to /admin and ends with the token", () => {
    expect(sessionCookieOptions(1_800_000_000, false)).toEqual({
      httpOnly: true,
      sameSite: "strict",
      secure: false,
      path: "/admin",
      expires: new Date(1_800_000_000 * 1000),
    });
  });

  // A token that never expires opens no session at all (POST /admin/login refuses it), so there is no such cookie.
  it("is Secure when asked", () => {
    expect(sessionCookieOptions(1_800_000_000, true).secure).toBe(true);
  });
});

describe("sessionTtlMs", () => {
  const now = 1_800_000_000_000;
  it.each([
    ["the idle time, when the token lasts longer", now / 1000 + 3600, 1800, 1_800_000],
    ["what is left of the token, when that is less", now / 1000 + 60, 1800, 60_000],
    ["what is left of the token, to the millisecond", now / 1000 + 0.25, 1800, 250],
    ["nothing, for a token that expires now", now / 1000, 1800, 0],
    ["nothing, for a token that has expired", now / 1000 - 10, 1800, 0],
  ])("is %s", (_case, expiresAt, idle, ttl) => {
    expect(sessionTtlMs(now, expiresAt, idle)).toBe(ttl);
  });
});
