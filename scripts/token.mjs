// Mints a token signed with JWT_SECRET, or with the public dev secret when
// HERALD_DEV_AUTH=1 (and JWT_SECRET is unset):
//   HERALD_DEV_AUTH=1 npm run token -- --sub 42 --role admin [--email a@b.c] [--projects p1,p2] [--tenant acme]
//   JWT_SECRET=... npm run token -- --producer [--sub billing-service] [--types 'system.*,job.completed'] [--tenant acme|'*'] [--subscribe]
// Without --tenant the token has no tenant claim: it speaks for `default`.
// --types limits what the producer token may publish (events:publish:<pattern>
// scopes); without it, it may publish every type. --subscribe adds events:subscribe
// (managing the tenant's webhook subscriptions).
import { createRequire } from "node:module";
import { parseArgs } from "node:util";

const require = createRequire(import.meta.url);
const { loadAuthConfig } = require("@herald/auth");
const { grantAllows, isPublishTypePattern, publishScope, signToken, PUBLISH_SCOPE, SUBSCRIBE_SCOPE } = require("@herald/auth");
const { EVENT_TYPES, PLATFORM_TENANT, isTenantId } = require("@herald/contract");

const { values } = parseArgs({
  options: {
    sub: { type: "string" },
    role: { type: "string", default: "user" },
    email: { type: "string" },
    projects: { type: "string" },
    producer: { type: "boolean", default: false },
    types: { type: "string" },
    subscribe: { type: "boolean", default: false },
    tenant: { type: "string" },
    "expires-in": { type: "string", default: String(24 * 3600) },
  },
});
let auth;
try {
  auth = loadAuthConfig();
} catch (error) {
  console.error(`cannot sign: ${error.message}`);
  process.exit(2);
}
const tenant = values.tenant;
if (tenant !== undefined && !isTenantId(tenant) && !(values.producer && tenant === PLATFORM_TENANT)) {
  console.error(`--tenant must be a tenant id ([A-Za-z0-9_.-]{1,64})${values.producer ? " or * (a platform producer)" : ""}`);
  process.exit(2);
}
const expiresIn = Number(values["expires-in"]);
if (!Number.isInteger(expiresIn) || expiresIn <= 0) {
  console.error("--expires-in must be a positive number of seconds");
  process.exit(2);
}
if (values.producer) {
  const types = values.types
    ?.split(",")
    .map((t) => t.trim())
    .filter(Boolean);
  if (types !== undefined && (types.length === 0 || !types.every(isPublishTypePattern))) {
    console.error("--types takes comma-separated event types or prefixes ending in .*, e.g. --types 'system.*,job.completed'");
    process.exit(2);
  }
  // A typo (sytem.*) would mint a token that can publish nothing.
  const unmatched = types?.filter((t) => !EVENT_TYPES.some((e) => grantAllows({ anyType: false, typePatterns: [t] }, e.name)));
  if (unmatched?.length) {
    console.error(`--types: ${unmatched.join(", ")} match(es) no event type of the catalog`);
    process.exit(2);
  }
  const scopes = [...(types?.map((t) => publishScope(t)) ?? [PUBLISH_SCOPE]), ...(values.subscribe ? [SUBSCRIBE_SCOPE] : [])];
  console.log(signToken({ kind: "service", sub: values.sub ?? "dev-producer", scopes, tenant }, auth, expiresIn));
} else {
  if (values.types !== undefined || values.subscribe) {
    console.error("--types and --subscribe are for producer tokens (--producer)");
    process.exit(2);
  }
  if (!values.sub) {
    console.error("usage: npm run token -- --sub <user id> [--role admin|user] [--email x] [--projects a,b] | --producer");
    process.exit(2);
  }
  if (values.role !== "admin" && values.role !== "user") {
    console.error("--role must be admin or user");
    process.exit(2);
  }
  const projects = values.projects
    ?.split(",")
    .map((p) => p.trim())
    .filter(Boolean);
  console.log(signToken({ kind: "user", sub: values.sub, role: values.role, email: values.email, projects, tenant }, auth, expiresIn));
}
