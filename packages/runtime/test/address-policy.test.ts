import { isAllowlistedHost, isPermittedLiteralHost, isPublicAddress } from "../src";

describe("isPublicAddress", () => {
  it.each([
    ["93.184.215.14", true],
    ["8.8.8.8", true],
    ["2606:4700:4700::1111", true],
    ["127.0.0.1", false],
    ["127.255.0.9", false],
    ["10.1.2.3", false],
    ["172.16.0.1", false],
    ["172.31.255.255", false],
    ["172.32.0.1", true],
    ["192.168.1.1", false],
    ["169.254.169.254", false],
    ["100.64.0.1", false],
    ["0.0.0.0", false],
    ["224.0.0.1", false],
    ["255.255.255.255", false],
    ["::1", false],
    ["::", false],
    ["fe80::1", false],
    ["fd00::1", false],
    ["::ffff:127.0.0.1", false],
    ["::ffff:10.0.0.1", false],
    ["::ffff:8.8.8.8", true],
    ["not-an-ip", false],
  ])("%s → %s", (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });
});

describe("isAllowlistedHost", () => {
  it("matches hosts exactly, ignoring case and IPv6 brackets", () => {
    expect(isAllowlistedHost("Hooks.Internal", ["hooks.internal"])).toBe(true);
    expect(isAllowlistedHost("[::1]", ["::1"])).toBe(true);
    expect(isAllowlistedHost("evil-hooks.internal", ["hooks.internal"])).toBe(false);
    expect(isAllowlistedHost("127.0.0.1", [])).toBe(false);
  });
});

describe("isPermittedLiteralHost", () => {
  it.each([
    ["https://hooks.example.com/x", [], true],
    ["http://10.0.0.5/x", [], false],
    ["http://10.0.0.5/x", ["10.0.0.5"], true],
    ["http://[fe80::1]/x", [], false],
    ["https://93.184.215.14/x", [], true],
  ])("%s (allow %j) → %s", (url, allowed, expected) => {
    expect(isPermittedLiteralHost(url, allowed)).toBe(expected);
  });
});
