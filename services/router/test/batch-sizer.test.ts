import { BatchSizer } from "../src/batch-sizer";

describe("BatchSizer", () => {
  const sizer = (options: Partial<ConstructorParameters<typeof BatchSizer>[0]> = {}) =>
    new BatchSizer({ maxEntries: 500, targetRows: 4_000, ...options });

  it("reads the fewest entries until it has seen a batch", () => {
    expect(sizer().size).toBe(50);
    expect(sizer({ minEntries: 10 }).size).toBe(10);
    expect(sizer({ maxEntries: 20 }).size).toBe(20);
  });

  it("aims at the target rows from the rows per entry it saw", () => {
    const s = sizer();
    s.observe(200, 4_000); // twenty candidates an event
    expect(s.size).toBe(200);
    const t = sizer();
    t.observe(100, 1_000); // ten
    expect(t.size).toBe(400);
  });

  it("stays within its bounds: single-recipient events read the most, a heavy mix the fewest", () => {
    const single = sizer();
    single.observe(200, 200);
    expect(single.size).toBe(500);
    const heavy = sizer();
    heavy.observe(50, 50_000); // a thousand candidates each
    expect(heavy.size).toBe(50);
  });

  it("counts an entry that wrote nothing as one row", () => {
    const s = sizer({ targetRows: 300 });
    s.observe(100, 0);
    expect(s.size).toBe(300);
  });

  it("follows a changing mix within a few batches", () => {
    const s = sizer();
    s.observe(200, 200); // single recipients
    expect(s.size).toBe(500);
    const sizes: number[] = [];
    for (let i = 0; i < 6; i++) {
      s.observe(s.size, s.size * 20); // now twenty each
      sizes.push(s.size);
    }
    expect(sizes[0]).toBeLessThan(500);
    expect(sizes.at(-1)).toBeLessThanOrEqual(210);
    // Never below the target's size on the way down from single recipients.
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(200);
  });

  it("ignores an empty batch", () => {
    const s = sizer();
    s.observe(0, 0);
    expect(s.size).toBe(50);
    s.observe(200, 4_000);
    s.observe(0, 100);
    expect(s.size).toBe(200);
  });
});
