import { Webhook } from "standardwebhooks";
import { HostLimiter } from "../src/host-limiter";
import { webhookBody, webhookHeaders } from "../src/webhook-sender";
import escapeHtml from "escape-html";
import { renderEmail } from "../src/render-email";

const notification = {
  id: 7,
  eventId: "e-1",
  type: "job.failed",
  category: "job",
  critical: false,
  title: "Job failed",
  body: `<img src=x onerror=alert(1)> failed`,
  createdAt: new Date("2026-11-22T10:00:00Z"),
  occurredAt: new Date("2026-11-22T09:59:00Z"),
  payload: { jobName: `"quoted" & <b>bold</b>`, attempt: 3, nested: { ignored: true } },
  count: 1,
  url: null,
  actions: [],
};

describe("renderEmail", () => {
  it("puts the event type in the subject and escapes every value in the HTML", () => {
    const email = renderEmail(notification);
    expect(email.subject).toBe("[Herald] job.failed: Job failed");
    expect(email.html).toContain("&lt;img src=x onerror=alert(1)&gt; failed");
    expect(email.html).toContain("&quot;quoted&quot; &amp; &lt;b&gt;bold&lt;/b&gt;");
    expect(email.html).not.toMatch(/<img|<b>/);
    expect(email.text).toContain(`jobName: "quoted" & <b>bold</b>`);
    expect(email.text).toContain("attempt: 3");
    expect(email.text).not.toContain("nested");
  });

  it("marks critical alerts and keeps header injection out of the subject", () => {
    const email = renderEmail({ ...notification, critical: true, type: "system.gpu_critical", title: "GPU\r\nBcc: victim@example.com" });
    expect(email.subject).toBe("[Herald] CRITICAL system.gpu_critical: GPU Bcc: victim@example.com");
  });

  it("carries the link: absolute as it is, a path against HERALD_PUBLIC_URL, none without one; never the actions", () => {
    const actions = [{ id: "approve", label: "Approve" }];
    const absolute = renderEmail({ ...notification, url: 'https://ci.example/jobs/1?a=1&b="2"', actions });
    expect(absolute.text).toContain('Open: https://ci.example/jobs/1?a=1&b="2"');
    expect(absolute.html).toContain('<a href="https://ci.example/jobs/1?a=1&amp;b=&quot;2&quot;">');
    expect(absolute.html).not.toContain("Approve");
    const path = renderEmail({ ...notification, url: "/jobs/1" }, "https://herald.example");
    expect(path.text).toContain("Open: https://herald.example/jobs/1");
    const noBase = renderEmail({ ...notification, url: "/jobs/1" });
    expect(noBase.text).not.toContain("Open:");
    expect(noBase.html).not.toContain("<a ");
  });

  it("escapes all five HTML specials", () => {
    expect(escapeHtml(`<>&"'`)).toBe("&lt;&gt;&amp;&quot;&#39;");
  });
});

describe("webhookBody", () => {
  it("carries the notification's count, link and actions", () => {
    const actions = [{ id: "approve", label: "Approve" }];
    const body = JSON.parse(
      webhookBody({
        deliveryId: "1",
        channel: "webhook",
        status: "queued",
        round: 1,
        notification: { ...notification, count: 3, url: "/reviews/9", actions },
        email: null,
        webhookUrl: null,
        webhookSecret: null,
      }),
    );
    expect(body).toMatchObject({ id: "e-1", type: "job.failed", notification: { id: 7, count: 3, url: "/reviews/9", actions } });
  });
});

describe("webhookHeaders", () => {
  it("produces signatures the standardwebhooks package verifies", () => {
    const secret = `whsec_${Buffer.from("0123456789abcdef0123456789abcdef").toString("base64")}`;
    const body = JSON.stringify({ hello: "world" });
    const headers = webhookHeaders(secret, "msg_1", body, new Date());
    expect(new Webhook(secret).verify(body, headers)).toEqual({ hello: "world" });
    expect(() => new Webhook(secret).verify(`${body} `, headers)).toThrow();
  });
});

describe("HostLimiter", () => {
  it("lets at most N requests per host in flight, independently per host", () => {
    const limiter = new HostLimiter(2);
    expect([limiter.tryAcquire("a"), limiter.tryAcquire("a"), limiter.tryAcquire("a")]).toEqual([true, true, false]);
    expect(limiter.tryAcquire("b")).toBe(true);
    limiter.release("a");
    expect(limiter.tryAcquire("a")).toBe(true);
  });
});
