import { defaultConsumerName } from "../src/consumer-name";

describe("defaultConsumerName", () => {
  it("is the same for a router restarted on the same host and port", () => {
    expect(defaultConsumerName("router-7d9f-abcde", 3002)).toBe(defaultConsumerName("router-7d9f-abcde", 3002));
    expect(defaultConsumerName("router-7d9f-abcde", 3002)).toBe("router-7d9f-abcde:3002");
  });

  it("differs between two routers on one host (different ports) and between hosts", () => {
    const names = [defaultConsumerName("dev-box", 3002), defaultConsumerName("dev-box", 3012), defaultConsumerName("other-box", 3002)];
    expect(new Set(names).size).toBe(names.length);
  });
});
