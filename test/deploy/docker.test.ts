import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { DEV_JWT_SECRET } from "@herald/auth";
import { SERVICE_CONFIG } from "./support";
import { ROOT, SECRET_NAME, SERVICE_PORTS, serviceExists, serviceOf } from "./support";

/**
 * Offline checks of the Dockerfile, .dockerignore and docker-compose.yml
 * (Docker does not run where the tests run). `scripts/check-deploy.sh` adds
 * docker-compose's own validation where it is installed.
 */

const read = (file: string) => readFileSync(path.join(ROOT, file), "utf8");

// Compose files are untyped YAML: read as `any` and checked by the assertions.
const compose: any = parse(read("docker-compose.yml"), { merge: true });
const composeServices: Record<string, any> = compose.services;
const BACKING = ["redis", "postgres"];
/** Third-party images: the backing services and the development mail catcher. */
const EXTERNAL = [...BACKING, "mailpit"];
const heraldNames = Object.keys(composeServices).filter((name) => !EXTERNAL.includes(name));
const appNames = heraldNames.filter((name) => name !== "migrate");

/** The container-side port of a "host:container" or "ip:host:container" mapping. */
const containerPort = (mapping: string) => Number(String(mapping).split(":").pop()!.split("/")[0]);
/** Seconds in a compose duration such as "30s", "1m30s" or "1m". */
const seconds = (duration: string) =>
  [...String(duration).matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s)/g)].reduce(
    (sum, [, n, unit]) => sum + Number(n) * { h: 3600, m: 60, s: 1, ms: 0.001 }[unit as "h" | "m" | "s" | "ms"],
    0,
  );
/** A service's environment as compose sets it when the host's variables are unset (`${X:-default}` → default). */
const envOf = (service: any): Record<string, string> =>
  Object.fromEntries(
    Object.entries<string>(service.environment ?? {}).map(([key, value]) => [key, String(value).replace(/\$\{\w+:?-([^}]*)\}/g, "$1")]),
  );
/** Docker's own default when stop_grace_period is not set. */
const DOCKER_STOP_GRACE_SECONDS = 10;

describe("docker-compose.yml", () => {
  it("has the backing services, the migrate step and the Herald services", () => {
    expect(Object.keys(composeServices).sort()).toEqual([
      "delivery-worker",
      "digest-scheduler",
      "ingest",
      "mailpit",
      "migrate",
      "postgres",
      "realtime-gateway",
      "redis",
      "router",
    ]);
    // Every service that exists is run by the stack.
    expect([...appNames].sort()).toEqual(
      Object.keys(SERVICE_PORTS)
        .filter((name) => name !== "hardware-monitor")
        .sort(),
    );
  });

  it("starts redis and postgres on their own (`docker compose up -d redis postgres`)", () => {
    expect(composeServices.redis.image).toBe("redis:7-alpine");
    expect(composeServices.postgres.image).toBe("postgres:16-alpine");
    expect(composeServices.postgres.environment).toMatchObject({ POSTGRES_HOST_AUTH_METHOD: "trust", POSTGRES_DB: "notifications" });
    for (const name of BACKING) {
      const service = composeServices[name];
      expect(service.depends_on).toBeUndefined();
      expect(service.build).toBeUndefined();
      expect(service.healthcheck.test).toBeDefined();
      // The default REDIS_URL / DATABASE_URL of services run with `npm start` point here.
      expect(service.ports).toHaveLength(1);
    }
    expect(composeServices.redis.ports[0]).toBe("127.0.0.1:6379:6379");
    expect(composeServices.postgres.ports[0]).toBe("127.0.0.1:5432:5432");
  });

  it("binds every published port to 127.0.0.1 (Postgres trusts all, the dev secret is public)", () => {
    for (const service of Object.values(composeServices)) {
      for (const mapping of service.ports ?? []) expect(String(mapping)).toMatch(/^127\.0\.0\.1:/);
    }
  });

  it("builds every Herald service from one image", () => {
    const images = heraldNames.map((name) => composeServices[name].image);
    expect(new Set(images).size).toBe(1);
    for (const name of heraldNames) expect(composeServices[name].build).toBeDefined();
  });

  describe.each(appNames)("%s", (name) => {
    const service = composeServices[name];
    const expected = SERVICE_PORTS[name];

    it("runs services/<its name>, which exists", () => {
      expect(service.command).toEqual(["node", `services/${name}/dist/main.js`]);
      expect(serviceOf(service.command)).toBe(name);
      expect(serviceExists(name)).toBe(true);
    });

    it("listens, publishes and health-checks the service's default port", () => {
      expect(expected).toBeDefined();
      expect(Number(service.environment[expected!.env])).toBe(expected!.port);
      for (const mapping of service.ports ?? []) expect(containerPort(mapping)).toBe(expected!.port);
      expect(service.healthcheck.test.join(" ")).toContain(`127.0.0.1:${expected!.port}/ready`);
    });

    it("starts after healthy Redis and Postgres and a successful migration", () => {
      const { mailpit, ...rest } = service.depends_on;
      expect(rest).toEqual({
        redis: { condition: "service_healthy" },
        postgres: { condition: "service_healthy" },
        migrate: { condition: "service_completed_successfully" },
      });
      // Only the delivery-worker sends email.
      if (name === "delivery-worker") expect(mailpit).toEqual({ condition: "service_started" });
      else expect(mailpit).toBeUndefined();
    });

    it("is given more time to stop than the service's own 10 s shutdown limit", () => {
      expect(seconds(service.stop_grace_period ?? `${DOCKER_STOP_GRACE_SECONDS}s`)).toBeGreaterThan(10);
    });

    it("reaches Redis and Postgres by their compose names", () => {
      expect(service.environment.REDIS_URL).toBe("redis://redis:6379");
      const db = new URL(service.environment.DATABASE_URL);
      expect(db.hostname).toBe("postgres");
      expect(db.pathname).toBe(`/${composeServices.postgres.environment.POSTGRES_DB}`);
    });

    it("takes JWT_SECRET from the environment with no default: the public dev secret only with HERALD_DEV_AUTH=1", () => {
      expect(service.environment.JWT_SECRET).toBe("${JWT_SECRET:-}");
      expect(service.environment.HERALD_DEV_AUTH).toBe("${HERALD_DEV_AUTH:-0}");
      expect(service.environment.NODE_ENV).toBe("${NODE_ENV:-development}");
      expect(read("docker-compose.yml")).not.toContain(DEV_JWT_SECRET);
      // As the services parse it: with nothing set on the host there is no secret, and they refuse to start.
      if (name === "ingest" || name === "realtime-gateway") {
        expect(() => SERVICE_CONFIG[name](envOf(service)).auth).toThrow(/JWT_SECRET \(or JWT_PUBLIC_KEY\) must be set/);
        expect(SERVICE_CONFIG[name]({ ...envOf(service), HERALD_DEV_AUTH: "1" }).auth.verificationKey).toBe(DEV_JWT_SECRET);
      }
      for (const [key, value] of Object.entries<string>(service.environment)) {
        if (SECRET_NAME.test(key) && key !== "DATABASE_URL") expect(value).toMatch(/^\$\{/);
      }
    });
  });

  it("publishes the ingest and gateway ports", () => {
    expect(composeServices.ingest.ports).toEqual(["127.0.0.1:3000:3000"]);
    expect(composeServices["realtime-gateway"].ports).toEqual(["127.0.0.1:3001:3001"]);
  });

  it("runs digest-scheduler and delivery-worker on their default ports, unpublished", () => {
    expect(composeServices["digest-scheduler"].environment.DIGEST_SCHEDULER_PORT).toBe(String(SERVICE_CONFIG["digest-scheduler"]({}).port));
    expect(composeServices["delivery-worker"].environment.DELIVERY_WORKER_PORT).toBe(String(SERVICE_CONFIG["delivery-worker"]({}).port));
    expect(composeServices["digest-scheduler"].ports).toBeUndefined();
    expect(composeServices["delivery-worker"].ports).toBeUndefined();
  });

  it("gives the delivery-worker time to finish in-flight webhooks on stop (WEBHOOK_TIMEOUT_MS + 5 s, plus margin)", () => {
    const worker = composeServices["delivery-worker"];
    const timeoutMs = SERVICE_CONFIG["delivery-worker"](envOf(worker)).delivery.webhook.timeoutMs;
    expect(seconds(worker.stop_grace_period)).toBeGreaterThanOrEqual(timeoutMs / 1000 + 5 + 5);
  });

  it("sends the delivery-worker's email to Mailpit, a dev mail catcher with its UI on 127.0.0.1:8025", () => {
    const mailpit = composeServices.mailpit;
    expect(mailpit.image).toMatch(/^axllent\/mailpit(:|$)/);
    expect(mailpit.build).toBeUndefined();
    expect(mailpit.depends_on).toBeUndefined();
    expect(mailpit.healthcheck.test).toBeDefined();
    expect(mailpit.ports).toEqual(expect.arrayContaining(["127.0.0.1:8025:8025", "127.0.0.1:1025:1025"]));

    const { smtp } = SERVICE_CONFIG["delivery-worker"](envOf(composeServices["delivery-worker"])).delivery;
    expect(smtp.host).toBe("mailpit");
    expect(smtp.port).toBe(1025);
    expect(smtp.secure).toBe(false);
    // Only the worker sends email: the others keep the defaults.
    for (const name of appNames.filter((n) => n !== "delivery-worker")) expect(composeServices[name].environment.SMTP_HOST).toBeUndefined();
  });

  it("migrates with scripts/migrate.mjs once Postgres is healthy", () => {
    const migrate = composeServices.migrate;
    expect(migrate.command).toEqual(["node", "scripts/migrate.mjs"]);
    expect(existsSync(path.join(ROOT, "scripts/migrate.mjs"))).toBe(true);
    expect(migrate.restart).toBe("no");
    expect(migrate.depends_on).toEqual({ postgres: { condition: "service_healthy" } });
  });
});

describe("Dockerfile", () => {
  const dockerfile = read("Dockerfile");
  // Instructions with their continuation lines joined, comments dropped.
  const instructions = dockerfile
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"));
  const stages = instructions.reduce<string[][]>((acc, line) => {
    if (/^FROM\s/i.test(line)) acc.push([]);
    acc[acc.length - 1]?.push(line);
    return acc;
  }, []);
  const runtime = stages[stages.length - 1]!;

  it("builds on a Debian slim Node 20 or 22 image", () => {
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:(20|22)-bookworm-slim$/m);
    for (const stage of stages) expect(stage[0]).toMatch(/^FROM \$\{NODE_IMAGE\}|^FROM base\b/);
  });

  it("builds with the repository's scripts", () => {
    expect(instructions).toContainEqual(expect.stringMatching(/^RUN npm ci --ignore-scripts\b/));
    expect(instructions).toContainEqual(expect.stringMatching(/^RUN npm run build\b/));
  });

  it("runs production-only, as a numeric non-root user", () => {
    expect(runtime).toContain("ENV NODE_ENV=production");
    const user = runtime.filter((line) => line.startsWith("USER ")).pop();
    expect(user).toMatch(/^USER [1-9][0-9]*(:[0-9]+)?$/);
    expect(runtime).toContainEqual(expect.stringMatching(/--omit=dev|^COPY --from=prod-deps /));
  });

  it("ships the migrations and scripts", () => {
    expect(runtime).toContain("COPY prisma ./prisma");
    expect(runtime).toContain("COPY scripts ./scripts");
  });

  it("starts an existing service by default", () => {
    const cmd = runtime.filter((line) => line.startsWith("CMD ")).pop()!;
    const service = serviceOf(JSON.parse(cmd.slice(4)));
    expect(service).toBeDefined();
    expect(serviceExists(service!)).toBe(true);
  });

  it(".dockerignore keeps host installs, build output, secrets and git out of the context", () => {
    const ignored = read(".dockerignore")
      .split("\n")
      .map((l) => l.trim());
    expect(ignored).toEqual(expect.arrayContaining(["**/node_modules", "**/dist", ".env", ".git"]));
    // Needed by the build: must not be ignored.
    for (const needed of [
      "prisma",
      "scripts",
      "packages",
      "services",
      "package-lock.json",
      "prisma.config.ts",
      "tsconfig.base.json",
      "turbo.json",
    ]) {
      expect(ignored).not.toContain(needed);
      expect(existsSync(path.join(ROOT, needed))).toBe(true);
    }
  });
});
