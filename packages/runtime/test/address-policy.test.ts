import { ConfigError, isAllowlistedHost, isPermittedLiteralHost, isPublicAddress, webhookAllowedHosts } from "../src";

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
    // IPv4-compatible (::a.b.c.d) and the v4 address as hex groups
    ["::127.0.0.1", false],
    ["::7f00:1", false],
    ["::10.0.0.1", false],
    ["::8.8.8.8", true],
    // 6to4 (2002:AABB:CCDD::/48) embedding a private v4
    ["2002:7f00:1::", false],
    ["2002:a00:1::1", false],
    ["2002:c0a8:101:1::1", false],
    ["2002:808:808::1", true],
    // Teredo: the client's v4 inverted in the last 32 bits (here 127.0.0.1, then 8.8.8.8)
    ["2001:0:4136:e378:8000:63bf:80ff:fffe", false],
    ["2001:0:4136:e378:8000:63bf:f7f7:f7f7", true],
    ["fec0::1", false],
    ["2001:db8::1", false],
    ["fe80::1%eth0", false],
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

describe("isAllowlistedHost with host:port entries", () => {
  it.each([
    ["hooks.internal", 8443, ["hooks.internal:8443"], true],
    ["hooks.internal", 8080, ["hooks.internal:8443"], false],
    ["hooks.internal", undefined, ["hooks.internal:8443"], false],
    ["hooks.internal", 22, ["hooks.internal"], true],
    ["::1", 8080, ["[::1]:8080"], true],
    ["[::1]", 9090, ["[::1]:8080"], false],
    ["::1", 9090, ["[::1]"], true],
  ])("%s port %s (allow %j) → %s", (host, port, allowed, expected) => {
    expect(isAllowlistedHost(host, allowed, port)).toBe(expected);
  });
});

describe("webhookAllowedHosts", () => {
  it("reads hosts and host:port entries, lower-cased", () => {
    expect(webhookAllowedHosts({ WEBHOOK_ALLOWED_HOSTS: "Hooks.Internal:8443, 10.0.0.5,[::1]:80, ::1" })).toEqual([
      "hooks.internal:8443",
      "10.0.0.5",
      "[::1]:80",
      "::1",
    ]);
  });

  it.each(["hooks:abc", "hooks:99999", "hooks:0", "a b", "user@hooks", "http://hooks/x"])("refuses %s, naming it", (entry) => {
    expect(() => webhookAllowedHosts({ WEBHOOK_ALLOWED_HOSTS: `ok.internal,${entry}` })).toThrow(ConfigError);
    expect(() => webhookAllowedHosts({ WEBHOOK_ALLOWED_HOSTS: entry })).toThrow(entry);
  });
});

describe("isPermittedLiteralHost", () => {
  it.each([
    ["https://hooks.example.com/x", [], true],
    ["http://10.0.0.5/x", [], false],
    ["http://10.0.0.5/x", ["10.0.0.5"], true],
    ["http://[fe80::1]/x", [], false],
    ["https://93.184.215.14/x", [], true],
    ["http://[::127.0.0.1]/x", [], false],
    ["http://[2002:7f00:1::]:8080/x", [], false],
    ["http://10.0.0.5:8443/x", ["10.0.0.5:8443"], true],
    ["http://10.0.0.5:8080/x", ["10.0.0.5:8443"], false],
    ["http://10.0.0.5/x", ["10.0.0.5:80"], true],
    ["https://10.0.0.5/x", ["10.0.0.5:80"], false],
  ])("%s (allow %j) → %s", (url, allowed, expected) => {
    expect(isPermittedLiteralHost(url, allowed)).toBe(expected);
  });
});
