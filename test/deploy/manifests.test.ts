import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { SERVICE_CONFIG } from "./support";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import { DaemonSet } from "kubernetes-models/apps/v1/DaemonSet";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { CronJob } from "kubernetes-models/batch/v1/CronJob";
import { Job } from "kubernetes-models/batch/v1/Job";
import { Ingress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { ROOT, SECRET_NAME, SERVICE_PORTS, serviceExists, serviceOf, URL_WITH_PASSWORD } from "./support";

/**
 * Offline checks of k8s/: every object against the Kubernetes schema
 * (kubernetes-models), then the facts about Herald a reviewer would check by
 * hand. kubernetes-models does not reject unknown fields, so the probe and
 * security assertions below are also what catches a misspelt key there.
 */

type Model = new (data: never) => { validate(): void };

// A kind not listed here fails the first test: add its model when adding one.
const MODELS: Record<string, Model> = {
  "v1/Namespace": Namespace,
  "v1/ConfigMap": ConfigMap,
  "v1/Secret": Secret,
  "v1/Service": Service,
  "v1/ServiceAccount": ServiceAccount,
  "apps/v1/Deployment": Deployment,
  "apps/v1/DaemonSet": DaemonSet,
  "apps/v1/StatefulSet": StatefulSet,
  "batch/v1/Job": Job,
  "batch/v1/CronJob": CronJob,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
  "networking.k8s.io/v1/Ingress": Ingress,
  "networking.k8s.io/v1/NetworkPolicy": NetworkPolicy,
  "autoscaling/v2/HorizontalPodAutoscaler": HorizontalPodAutoscaler,
};

const K8S = path.join(ROOT, "k8s");
const NAMESPACE = "herald";
const WORKLOAD_KINDS = new Set(["Deployment", "DaemonSet", "StatefulSet"]);
const isExample = (file: string) => file.endsWith(".example.yaml");

// Manifests are untyped YAML: they are read as `any` and checked by the assertions.
interface Manifest {
  readonly file: string;
  readonly id: string;
  readonly obj: any;
}

const manifestFiles = readdirSync(K8S)
  .filter((f) => /\.ya?ml$/.test(f) && f !== "kustomization.yaml")
  .sort();

const manifests: Manifest[] = manifestFiles.flatMap((file) =>
  parseAllDocuments(readFileSync(path.join(K8S, file), "utf8")).flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join("; ")}`);
    const obj = doc.toJS();
    if (obj === null || obj === undefined) return [];
    return [{ file, id: `${file}: ${obj.kind}/${obj.metadata?.name}`, obj }];
  }),
);

const ofKind = (...kinds: string[]) => manifests.filter((m) => kinds.includes(m.obj.kind));
const workloads = ofKind(...WORKLOAD_KINDS);
const podSpecOf = (obj: any): any => (obj.kind === "CronJob" ? obj.spec.jobTemplate.spec.template.spec : obj.spec.template.spec);
const containersOf = (obj: any): any[] => {
  const spec = podSpecOf(obj);
  return [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
};
/** The container that runs the Herald service, and which service it is. */
const heraldContainer = (obj: any): { container: any; service: string } => {
  for (const container of podSpecOf(obj).containers) {
    const service = serviceOf([...(container.command ?? []), ...(container.args ?? [])]);
    if (service) return { container, service };
  }
  throw new Error(`${obj.kind}/${obj.metadata.name} runs no services/<name>/dist/main.js`);
};
const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels?.[k] === v);
/** The HorizontalPodAutoscaler scaling the Deployment `name`, if any. */
const autoscalerOf = (name: string): any =>
  ofKind("HorizontalPodAutoscaler").find((h) => h.obj.spec.scaleTargetRef.kind === "Deployment" && h.obj.spec.scaleTargetRef.name === name)
    ?.obj;

describe("k8s manifests", () => {
  it("finds the manifests", () => {
    expect(manifestFiles).toEqual(
      expect.arrayContaining([
        "namespace.yaml",
        "configmap.yaml",
        "secret.example.yaml",
        "migrate-job.yaml",
        "ingest.yaml",
        "router.yaml",
        "realtime-gateway.yaml",
        "digest-scheduler.yaml",
        "delivery-worker.yaml",
      ]),
    );
    expect(workloads.length).toBeGreaterThanOrEqual(6);
  });

  describe.each(manifests.map((m) => [m.id, m] as const))("%s", (_id, { obj }) => {
    it("is valid against the Kubernetes schema", () => {
      const model = MODELS[`${obj.apiVersion}/${obj.kind}`];
      expect(model).toBeDefined();
      expect(() => new model!(obj as never).validate()).not.toThrow();
    });

    it(`lives in the ${NAMESPACE} namespace`, () => {
      if (obj.kind === "Namespace") expect(obj.metadata.name).toBe(NAMESPACE);
      else expect(obj.metadata.namespace).toBe(NAMESPACE);
    });
  });

  it("kustomization.yaml lists every manifest but the examples, and only existing files", () => {
    const kustomization = parse(readFileSync(path.join(K8S, "kustomization.yaml"), "utf8"));
    expect(kustomization.apiVersion).toBe("kustomize.config.k8s.io/v1beta1");
    expect(kustomization.kind).toBe("Kustomization");
    const resources: string[] = kustomization.resources;
    for (const resource of resources) expect(existsSync(path.join(K8S, resource))).toBe(true);
    expect([...resources].sort()).toEqual(manifestFiles.filter((f) => !isExample(f)));
  });

  describe.each(workloads.map((m) => [m.id, m] as const))("%s", (_id, { obj }) => {
    const { container, service } = heraldContainer(obj);
    const expected = SERVICE_PORTS[service];
    const podSpec = podSpecOf(obj);

    it("runs an existing service", () => {
      expect(serviceExists(service)).toBe(true);
      expect(obj.metadata.name).toBe(service);
      expect(expected).toBeDefined();
    });

    it("exposes the service's default port, and no port variable overrides it", () => {
      expect(container.ports).toEqual([{ name: "http", containerPort: expected!.port }]);
      expect((container.env ?? []).map((e: any) => e.name)).not.toContain(expected!.env);
    });

    it("probes liveness on /health and readiness on /ready", () => {
      const port = (probe: any) => (probe.httpGet.port === "http" ? expected!.port : probe.httpGet.port);
      expect(container.livenessProbe.httpGet.path).toBe("/health");
      expect(port(container.livenessProbe)).toBe(expected!.port);
      expect(container.readinessProbe.httpGet.path).toBe("/ready");
      expect(port(container.readinessProbe)).toBe(expected!.port);
      if (container.startupProbe) expect(container.startupProbe.httpGet.path).toBe("/health");
    });

    it("runs as non-root with no privilege escalation and read-only code", () => {
      expect(podSpec.securityContext.runAsNonRoot).toBe(true);
      expect(podSpec.securityContext.runAsUser).toBeGreaterThan(0);
      expect(container.securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
      });
    });

    it("sets resources and leaves time for the graceful shutdown", () => {
      expect(container.resources.requests.cpu).toBeDefined();
      expect(container.resources.requests.memory).toBeDefined();
      expect(container.resources.limits.memory).toBeDefined();
      // The services give themselves 10 s to stop after SIGTERM, plus any preStop delay.
      const preStopSeconds = Number(container.lifecycle?.preStop?.exec?.command?.[1] ?? 0);
      expect(podSpec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(10 + preStopSeconds + 5);
    });

    it("takes its settings from the shared ConfigMap and Secret", () => {
      expect(container.envFrom).toEqual([{ configMapRef: { name: "herald-config" } }, { secretRef: { name: "herald-secrets" } }]);
    });

    it("has a Service reaching its port", () => {
      const labels = obj.spec.template.metadata.labels;
      const services = ofKind("Service").filter((s) => s.obj.spec.selector && matches(s.obj.spec.selector, labels));
      expect(services).toHaveLength(1);
      const ports = services[0]!.obj.spec.ports;
      expect(ports.some((p: any) => p.targetPort === "http" || p.targetPort === expected!.port)).toBe(true);
    });

    it("asks Prometheus to scrape /metrics on its port", () => {
      expect(obj.spec.template.metadata.annotations).toMatchObject({
        "prometheus.io/scrape": "true",
        "prometheus.io/port": String(expected!.port),
        "prometheus.io/path": "/metrics",
      });
    });

    if (obj.kind === "Deployment") {
      it("runs at least 2 replicas (its own count, or its autoscaler's minimum, never both), guarded by a PodDisruptionBudget", () => {
        const autoscaler = autoscalerOf(obj.metadata.name);
        // A replicas field next to an autoscaler would reset its count at every apply.
        if (autoscaler) expect({ replicas: obj.spec.replicas, min: autoscaler.spec.minReplicas }).toEqual({ replicas: undefined, min: 2 });
        else expect(obj.spec.replicas).toBeGreaterThanOrEqual(2);
        const labels = obj.spec.template.metadata.labels;
        const budgets = ofKind("PodDisruptionBudget").filter((p) => matches(p.obj.spec.selector.matchLabels, labels));
        expect(budgets).toHaveLength(1);
      });
    }
  });

  it("deploys every service: ingest, router, realtime-gateway, digest-scheduler, delivery-worker and hardware-monitor", () => {
    expect(workloads.map((m) => heraldContainer(m.obj).service).sort()).toEqual([
      "delivery-worker",
      "digest-scheduler",
      "hardware-monitor",
      "ingest",
      "realtime-gateway",
      "router",
    ]);
    expect(workloads.map((m) => heraldContainer(m.obj).service).sort()).toEqual(Object.keys(SERVICE_PORTS).sort());
  });

  const workload = (service: string) => {
    const [found] = workloads.filter((m) => heraldContainer(m.obj).service === service);
    expect(found).toBeDefined();
    return { obj: found!.obj, container: heraldContainer(found!.obj).container, podSpec: podSpecOf(found!.obj) };
  };
  /** The settings a pod gets from the ConfigMap, as the services parse them. */
  const configMapConfig = <S extends keyof typeof SERVICE_CONFIG>(service: S): ReturnType<(typeof SERVICE_CONFIG)[S]> =>
    SERVICE_CONFIG[service]({ ...ofKind("ConfigMap")[0]!.obj.data, JWT_SECRET: "x".repeat(32) }) as ReturnType<(typeof SERVICE_CONFIG)[S]>;

  describe("digest-scheduler", () => {
    it("runs 2 replicas on port 3004, probed on /health and /ready", () => {
      const { obj, container } = workload("digest-scheduler");
      expect(obj.kind).toBe("Deployment");
      expect(obj.spec.replicas).toBe(2);
      expect(container.ports).toEqual([{ name: "http", containerPort: SERVICE_CONFIG["digest-scheduler"]({}).port }]);
      expect(SERVICE_CONFIG["digest-scheduler"]({}).port).toBe(3004);
      expect(container.livenessProbe.httpGet).toEqual({ path: "/health", port: "http" });
      expect(container.readinessProbe.httpGet).toEqual({ path: "/ready", port: "http" });
    });

    it("gives the start-up probe time for the migrations it applies on start", () => {
      const { container } = workload("digest-scheduler");
      expect(configMapConfig("digest-scheduler").migrateOnStart).toBe(true);
      const { periodSeconds = 10, failureThreshold = 3 } = container.startupProbe;
      expect(periodSeconds * failureThreshold).toBeGreaterThanOrEqual(60);
    });
  });

  describe("delivery-worker", () => {
    it("runs at least 2 replicas on port 3003, probed on /health and /ready", () => {
      const { obj, container } = workload("delivery-worker");
      expect(obj.kind).toBe("Deployment");
      expect(autoscalerOf("delivery-worker").spec.minReplicas).toBe(2);
      expect(container.ports).toEqual([{ name: "http", containerPort: SERVICE_CONFIG["delivery-worker"]({}).port }]);
      expect(SERVICE_CONFIG["delivery-worker"]({}).port).toBe(3003);
      expect(container.livenessProbe.httpGet).toEqual({ path: "/health", port: "http" });
      expect(container.readinessProbe.httpGet).toEqual({ path: "/ready", port: "http" });
    });

    it("leaves in-flight webhooks time to finish: grace period above WEBHOOK_TIMEOUT_MS + the worker's 5 s", () => {
      const { podSpec } = workload("delivery-worker");
      const timeoutMs = configMapConfig("delivery-worker").delivery.webhook.timeoutMs;
      expect(timeoutMs).toBeGreaterThanOrEqual(SERVICE_CONFIG["delivery-worker"]({}).delivery.webhook.timeoutMs);
      // The worker exits by itself WEBHOOK_TIMEOUT_MS + 5 s after SIGTERM; 5 s more of margin.
      expect(podSpec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(timeoutMs / 1000 + 5 + 5);
    });

    it("takes its SMTP settings from the ConfigMap, and the password from the Secret, optionally", () => {
      const data = ofKind("ConfigMap")[0]!.obj.data;
      for (const key of ["SMTP_HOST", "SMTP_PORT", "SMTP_SECURE", "SMTP_FROM"]) expect(data[key]).toBeDefined();
      expect(data.SMTP_PASSWORD).toBeUndefined();
      const { smtp } = configMapConfig("delivery-worker").delivery;
      expect(smtp.host).toBe(data.SMTP_HOST);
      expect(smtp.port).toBe(Number(data.SMTP_PORT));

      const { container } = workload("delivery-worker");
      const password = (container.env ?? []).find((e: any) => e.name === "SMTP_PASSWORD");
      expect(password?.valueFrom.secretKeyRef).toEqual({ name: "herald-secrets", key: "SMTP_PASSWORD", optional: true });
      expect(Object.keys(ofKind("Secret")[0]!.obj.stringData)).toContain("SMTP_PASSWORD");
    });
  });

  it("autoscales the router, the gateway and the delivery-worker on CPU, which their pods request", () => {
    const scaled = ofKind("HorizontalPodAutoscaler").map((h) => h.obj);
    expect(scaled.map((h) => h.spec.scaleTargetRef.name).sort()).toEqual(["delivery-worker", "realtime-gateway", "router"]);
    for (const hpa of scaled) {
      const { obj, container } = workload(hpa.spec.scaleTargetRef.name);
      expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: "apps/v1", kind: "Deployment", name: obj.metadata.name });
      expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
      expect(hpa.spec.metrics).toEqual([
        { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: expect.any(Number) } } },
      ]);
      // Utilization is a share of the request: without one the autoscaler cannot act.
      expect(container.resources.requests.cpu).toBeDefined();
      // Its PodDisruptionBudget must let a drain take a pod at the minimum.
      const budget = ofKind("PodDisruptionBudget").find((p) => matches(p.obj.spec.selector.matchLabels, obj.spec.template.metadata.labels));
      expect(budget?.obj.spec.maxUnavailable).toBe(1);
    }
  });

  it("names each router in the consumer group after its pod, which a container restart keeps and no two pods share", () => {
    const { container } = workload("router");
    const env = Object.fromEntries((container.env ?? []).map((e: any) => [e.name, e]));
    expect(env.ROUTER_CONSUMER_NAME?.valueFrom?.fieldRef?.fieldPath).toBe("metadata.name");
    expect(ofKind("ConfigMap")[0]!.obj.data.ROUTER_CONSUMER_NAME).toBeUndefined();
  });

  it("runs hardware-monitor on every GPU node, naming alerts by node and publishing to the ingest Service", () => {
    const [monitor] = workloads.filter((m) => heraldContainer(m.obj).service === "hardware-monitor");
    expect(monitor!.obj.kind).toBe("DaemonSet");
    const { container } = heraldContainer(monitor!.obj);
    const env = Object.fromEntries((container.env ?? []).map((e: any) => [e.name, e]));
    expect(env.MONITOR_HOSTNAME.valueFrom.fieldRef.fieldPath).toBe("spec.nodeName");
    const ingest = ofKind("Service").find((s) => s.obj.metadata.name === "ingest")!.obj;
    expect(new URL(env.INGEST_URL.value).port).toBe(String(ingest.spec.ports[0].port));
    expect(new URL(env.INGEST_URL.value).hostname.split(".")[0]).toBe("ingest");
    // The buffer of undelivered alerts must be writable under a read-only root: a directory in a mounted volume,
    // not the volume's root (an emptyDir's root is world-writable, which the agent refuses).
    const mounted: string[] = container.volumeMounts.map((v: any) => v.mountPath);
    const bufferDir = SERVICE_CONFIG["hardware-monitor"]({ MONITOR_BUFFER_DIR: env.MONITOR_BUFFER_DIR.value }).hardwareMonitor.bufferDir;
    expect(mounted.some((m) => path.dirname(bufferDir) === m)).toBe(true);
    expect(monitor!.obj.spec.template.spec.securityContext.fsGroupChangePolicy).toBe("OnRootMismatch");
    // Publishing needs a producer token, which only the Secret may carry.
    expect(Object.keys(ofKind("Secret")[0]!.obj.stringData)).toContain("HERALD_TOKEN");
    expect(env.HERALD_TOKEN).toBeUndefined();
  });

  it("gives the gateway Service ClientIP affinity, for Socket.IO long-polling", () => {
    const gateway = ofKind("Service").find((s) => s.obj.metadata.name === "realtime-gateway");
    expect(gateway?.obj.spec.sessionAffinity).toBe("ClientIP");
  });

  it("uses one and the same Herald image everywhere", () => {
    const images = ofKind(...WORKLOAD_KINDS, "Job", "CronJob").flatMap((m) => containersOf(m.obj).map((c) => c.image));
    expect(images.length).toBeGreaterThanOrEqual(4);
    expect(new Set(images).size).toBe(1);
    expect(images[0]).toMatch(/^(.+\/)?herald[:@]/);
  });

  it("runs migrations in a Job with the same settings as the services", () => {
    const [job] = ofKind("Job");
    const [container] = containersOf(job!.obj);
    const script = container.command.find((a: string) => a.endsWith(".mjs"));
    expect(script).toBe("scripts/migrate.mjs");
    expect(existsSync(path.join(ROOT, script))).toBe(true);
    expect(container.envFrom).toEqual([{ configMapRef: { name: "herald-config" } }, { secretRef: { name: "herald-secrets" } }]);
    expect(["Never", "OnFailure"]).toContain(job!.obj.spec.template.spec.restartPolicy);
  });

  describe("secrets", () => {
    it("appear only in the example file, and only as placeholders", () => {
      const secrets = ofKind("Secret");
      expect(secrets.length).toBeGreaterThan(0);
      for (const { file, obj } of secrets) {
        expect(isExample(file)).toBe(true);
        expect(obj.data).toBeUndefined();
        for (const value of Object.values<string>(obj.stringData)) expect(value).toContain("CHANGE-ME");
      }
    });

    it("are not written into ConfigMaps or container env", () => {
      for (const { obj } of ofKind("ConfigMap")) {
        for (const [key, value] of Object.entries<string>(obj.data ?? {})) {
          expect(key).not.toMatch(SECRET_NAME);
          expect(value).not.toMatch(URL_WITH_PASSWORD);
        }
      }
      for (const { obj } of ofKind(...WORKLOAD_KINDS, "Job", "CronJob")) {
        for (const container of containersOf(obj)) {
          for (const env of container.env ?? []) if (SECRET_NAME.test(env.name)) expect(env.value).toBeUndefined();
        }
      }
    });

    it("example placeholders are refused by the services in production", () => {
      const data = ofKind("ConfigMap")[0]!.obj.data;
      const example = ofKind("Secret")[0]!.obj.stringData;
      expect(data.NODE_ENV).toBe("production");
      // The JWT settings are resolved on first use, by the services that verify tokens.
      expect(() => SERVICE_CONFIG.ingest({ ...data, ...example }).auth).toThrow(/JWT_SECRET/);
      // ...while a real secret with the same ConfigMap is accepted.
      expect(() => SERVICE_CONFIG.ingest({ ...data, ...example, JWT_SECRET: "x".repeat(32) }).auth).not.toThrow();
    });
  });
});
