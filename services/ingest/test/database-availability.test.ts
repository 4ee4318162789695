import type { NextFunction, Request, Response } from "express";
import { ApiError } from "@herald/contract";
import { createLogger } from "@herald/runtime";
import { eventually } from "../../../test/support/clients";
import { DatabaseAvailability } from "../src/operator/database-availability";

const logger = createLogger("test", "silent");
const req = {} as Request;
const res = {} as Response;

function guardOutcome(availability: DatabaseAvailability): unknown {
  try {
    let passed = false;
    availability.guard(req, res, (() => void (passed = true)) as NextFunction);
    return passed ? "next" : "nothing";
  } catch (error) {
    return error;
  }
}

describe("DatabaseAvailability", () => {
  it("retries the migrations until they apply, answering 503 to the operator API meanwhile", async () => {
    let attempts = 0;
    const availability = new DatabaseAvailability({
      ping: async () => true,
      migrate: async () => {
        attempts += 1;
        if (attempts < 3) throw new Error("connect ECONNREFUSED 127.0.0.1:5432");
      },
      logger,
      retryMaxMs: 20,
    });
    availability.start();
    expect(guardOutcome(availability)).toMatchObject({ status: 503, code: "database_unavailable" });
    expect(await availability.ready()).toBe(false);
    await eventually(async () => ((await availability.ready()) ? true : undefined), 5_000, "migrations");
    expect(attempts).toBe(3);
    expect(guardOutcome(availability)).toBe("next");
    availability.stop();
  });

  it("is open at once when migrations are applied elsewhere, and not ready while Postgres does not answer", async () => {
    let up = false;
    const availability = new DatabaseAvailability({ ping: async () => up, logger });
    expect(guardOutcome(availability)).toBe("next");
    expect(await availability.ready()).toBe(false);
    up = true;
    expect(await availability.ready()).toBe(true);
  });

  it("turns an unexpected error into 503 while Postgres is down, and leaves it alone otherwise", async () => {
    const passOn = (up: boolean, error: unknown) =>
      new Promise<unknown>((resolve) =>
        new DatabaseAvailability({ ping: async () => up, logger }).errors(error, req, res, resolve as NextFunction),
      );
    const boom = new Error("boom");
    expect(await passOn(false, boom)).toMatchObject({ status: 503, code: "database_unavailable" });
    expect(await passOn(true, boom)).toBe(boom);
    const notFound = new ApiError(404, "not_found", "no delivery 1");
    expect(await passOn(false, notFound)).toBe(notFound);
  });
});
