import { bearerMatches } from "../src/metrics";

describe("bearerMatches (GET /metrics)", () => {
  const token = "scrape-0123456789abcdef";
  it.each([
    [`Bearer ${token}`, true],
    [`bearer ${token}`, true],
    [`Bearer  ${token} `, true],
    [undefined, false],
    ["", false],
    [token, false],
    [`Basic ${token}`, false],
    [`Bearer ${token}x`, false],
    [`Bearer ${token.slice(0, -1)}`, false],
    ["Bearer ", false],
    [`Bearer ${token} extra`, false],
  ])("%p → %p", (header, expected) => {
    expect(bearerMatches(header, token)).toBe(expected);
  });
});
