import escapeHtml from "escape-html";
import { renderLoginPage } from "../src/operator/login-page";

describe("login page", () => {
  it("escapes every character that could open markup or leave an attribute", () => {
    expect(escapeHtml(`<script>alert("x" & 'y')</script>`)).toBe("&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;");
  });

  it("shows an error as text, never as markup", () => {
    const html = renderLoginPage({ action: "/admin/login", error: `invalid token: <img src=x onerror="steal()">` });
    expect(html).toContain("invalid token: &lt;img src=x onerror=&quot;steal()&quot;&gt;");
    expect(html).not.toContain("<img");
  });

  it("posts the token field to the action, and has no error line without an error", () => {
    const html = renderLoginPage({ action: "/admin/login" });
    expect(html).toContain('<form method="post" action="/admin/login">');
    expect(html).toContain('name="token"');
    expect(html).not.toContain('role="alert"');
    expect(html).not.toContain("<script");
  });
});
