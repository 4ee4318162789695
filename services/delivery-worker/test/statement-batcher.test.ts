import { StatementBatcher } from "../src/statement-batcher";

/** The batcher with a statement that doubles numbers, refuses negative ones, and records each batch it was given. */
function doubler(
  options: { retryAlone?: (error: unknown) => boolean; maxBatch?: number; maxInFlight?: number; key?: (n: number) => string } = {},
) {
  const batches: number[][] = [];
  const batcher = new StatementBatcher<number, number>({
    run: async (inputs) => {
      batches.push([...inputs]);
      const bad = inputs.find((n) => n < 0);
      if (bad !== undefined) throw new Error(`refused ${bad}`);
      return inputs.map((n) => n * 2);
    },
    retryAlone: options.retryAlone ?? (() => true),
    maxBatch: options.maxBatch ?? 100,
    maxInFlight: options.maxInFlight ?? 1,
    key: options.key,
  });
  return { batcher, batches };
}

describe("StatementBatcher", () => {
  it("sends concurrent callers' inputs as one statement and gives each caller its own result", async () => {
    const { batcher, batches } = doubler();
    expect(await Promise.all([1, 2, 3, 4].map((n) => batcher.submit(n)))).toEqual([2, 4, 6, 8]);
    expect(batches).toEqual([[1, 2, 3, 4]]);
  });

  it("gathers the callers that arrive while a statement is in flight into the next one", async () => {
    const { batcher, batches } = doubler();
    const first = batcher.submit(1);
    await new Promise((resolve) => setImmediate(resolve));
    // The first statement is in flight now.
    const rest = [2, 3].map((n) => batcher.submit(n));
    expect(await Promise.all([first, ...rest])).toEqual([2, 4, 6]);
    expect(batches).toEqual([[1], [2, 3]]);
  });

  it("starts another statement while one is in flight, up to maxInFlight; later callers wait for a free one", async () => {
    const release: (() => void)[] = [];
    let inFlight = 0;
    let most = 0;
    const batches: number[][] = [];
    const batcher = new StatementBatcher<number, number>({
      run: async (inputs) => {
        batches.push([...inputs]);
        most = Math.max(most, ++inFlight);
        await new Promise<void>((resolve) => release.push(resolve));
        inFlight -= 1;
        return inputs;
      },
      retryAlone: () => true,
      maxBatch: 100,
      maxInFlight: 2,
    });
    const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
    const results = [batcher.submit(1)];
    await nextTurn();
    results.push(batcher.submit(2));
    await nextTurn();
    results.push(batcher.submit(3), batcher.submit(4));
    await nextTurn();
    // Two statements are in flight ([1] and [2]); 3 and 4 wait together for one of them to end.
    expect(batches).toEqual([[1], [2]]);
    release.shift()!();
    await nextTurn();
    await nextTurn();
    expect(batches).toEqual([[1], [2], [3, 4]]);
    while (release.length) release.shift()!();
    expect(await Promise.all(results)).toEqual([1, 2, 3, 4]);
    expect(most).toBe(2);
  });

  it("a bad input fails only its own caller: the batch is tried again one input at a time", async () => {
    const { batcher, batches } = doubler();
    const results = await Promise.allSettled([1, -2, 3].map((n) => batcher.submit(n)));
    expect(results).toEqual([
      { status: "fulfilled", value: 2 },
      { status: "rejected", reason: new Error("refused -2") },
      { status: "fulfilled", value: 6 },
    ]);
    expect(batches).toEqual([[1, -2, 3], [1], [-2], [3]]);
  });

  it("an error every input would meet alike fails every caller at once, without a statement per input", async () => {
    const { batcher, batches } = doubler({ retryAlone: () => false });
    const results = await Promise.allSettled([1, -2, 3].map((n) => batcher.submit(n)));
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected", "rejected"]);
    expect(batches).toEqual([[1, -2, 3]]);
  });

  it("never has two inputs of one key in flight at once, even with statements to spare", async () => {
    const release: (() => void)[] = [];
    const batches: number[][] = [];
    const batcher = new StatementBatcher<number, number>({
      run: async (inputs) => {
        batches.push([...inputs]);
        await new Promise<void>((resolve) => release.push(resolve));
        return inputs;
      },
      key: (n) => String(n % 10),
      retryAlone: () => true,
      maxBatch: 100,
      maxInFlight: 4,
    });
    const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
    const results = [batcher.submit(1)];
    await nextTurn();
    results.push(batcher.submit(11), batcher.submit(2));
    await nextTurn();
    // 11 has 1's key, which is in flight: only 2 goes.
    expect(batches).toEqual([[1], [2]]);
    release.shift()!();
    await nextTurn();
    await nextTurn();
    expect(batches).toEqual([[1], [2], [11]]);
    while (release.length) release.shift()!();
    await nextTurn();
    while (release.length) release.shift()!();
    expect(await Promise.all(results)).toEqual([1, 11, 2]);
  });

  it("keeps inputs with the same key out of one batch, and caps a batch at maxBatch", async () => {
    const { batcher, batches } = doubler({ key: (n) => String(n % 10), maxBatch: 2 });
    expect(await Promise.all([1, 11, 2, 3].map((n) => batcher.submit(n)))).toEqual([2, 22, 4, 6]);
    expect(batches).toEqual([
      [1, 2],
      [11, 3],
    ]);
  });

  it("refuses a statement that answers with the wrong number of results, rather than handing out someone else's", async () => {
    const batcher = new StatementBatcher<number, number>({ run: async () => [1], retryAlone: () => false, maxBatch: 10, maxInFlight: 1 });
    const results = await Promise.allSettled([1, 2].map((n) => batcher.submit(n)));
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
  });
});
