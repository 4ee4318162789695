import { ConfigError, loadInstallationConfig, parseClusterNode } from "../src";

describe("parseClusterNode", () => {
  it.each([
    ["127.0.0.1:7000", { host: "127.0.0.1", port: 7000 }],
    ["redis-0.redis.svc:6379", { host: "redis-0.redis.svc", port: 6379 }],
    ["[::1]:7001", { host: "::1", port: 7001 }],
    ["node_a:1", { host: "node_a", port: 1 }],
    ["h:65535", { host: "h", port: 65535 }],
  ])("reads %s", (text, node) => {
    expect(parseClusterNode(text)).toEqual(node);
  });

  it.each(["127.0.0.1", ":7000", "host:", "host:0", "host:65536", "host:70000", "::1:7000", "redis://h:1", "h:1:2", "h :1", "h:x"])(
    "refuses %s",
    (text) => {
      expect(parseClusterNode(text)).toBeUndefined();
    },
  );
});

describe("REDIS_CLUSTER_NODES", () => {
  it("unset or blank is a single Redis", () => {
    expect(loadInstallationConfig({}).redisClusterNodes).toBeUndefined();
    expect(loadInstallationConfig({ REDIS_CLUSTER_NODES: " , " }).redisClusterNodes).toBeUndefined();
  });

  it("is a list of seeds, blanks and spaces dropped", () => {
    expect(loadInstallationConfig({ REDIS_CLUSTER_NODES: "10.0.0.1:7000, 10.0.0.2:7001,," }).redisClusterNodes).toEqual([
      { host: "10.0.0.1", port: 7000 },
      { host: "10.0.0.2", port: 7001 },
    ]);
  });

  it("names the item that is not host:port", () => {
    const load = () => loadInstallationConfig({ REDIS_CLUSTER_NODES: "10.0.0.1:7000,10.0.0.2" });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/REDIS_CLUSTER_NODES: "10.0.0.2" is not host:port/);
  });
});
