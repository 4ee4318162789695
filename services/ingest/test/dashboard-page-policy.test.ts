import { readFileSync } from "node:fs";
import { DASHBOARD_CSP, withoutThirdPartyFonts } from "../src/operator/dashboard-page-policy";

describe("the dashboard page policy", () => {
  it("takes bull-board's Google Fonts stylesheet out of its page, and nothing else", () => {
    const template = readFileSync(require.resolve("@bull-board/ui/dist/index.ejs"), "utf8");
    const page = withoutThirdPartyFonts(template);
    expect(page).not.toMatch(/https?:\/\//);
    expect(template.length - page.length).toBeLessThan(200);
    expect(page).toContain('<link href="static/css/');
    expect(page).toContain('<script defer src="static/js/');
  });

  it.each([
    ['<link href="https://fonts.googleapis.com/css2?family=X" rel="stylesheet">', ""],
    ['<LINK rel="stylesheet" href="https://fonts.googleapis.com/css?family=Y">\n<title>t</title>', "<title>t</title>"],
    ['<link href="static/css/main.css" rel="stylesheet">', '<link href="static/css/main.css" rel="stylesheet">'],
    [
      '<link href="https://fonts.googleapis.com.evil.example/x" rel="stylesheet">',
      '<link href="https://fonts.googleapis.com.evil.example/x" rel="stylesheet">',
    ],
  ])("%s → %p", (html, expected) => {
    expect(withoutThirdPartyFonts(html)).toBe(expected);
  });

  it("lets no inline or evaluated script run, nor the page be framed", () => {
    const directives = Object.fromEntries(DASHBOARD_CSP.split("; ").map((d) => [d.split(" ")[0], d.split(" ").slice(1)]));
    expect(directives["default-src"]).toEqual(["'none'"]);
    expect(directives["script-src"]).toEqual(["'self'"]);
    expect(directives["frame-ancestors"]).toEqual(["'none'"]);
    expect(directives["base-uri"]).toEqual(["'self'"]);
  });
});
