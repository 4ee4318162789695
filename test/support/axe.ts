import { readFileSync } from "node:fs";
import type { Page } from "playwright-core";

/** axe-core's browser build, read once. */
const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

/** The WCAG 2.1 A and AA rules: what the web UI promises. */
const WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

export interface AxeFinding {
  readonly id: string;
  readonly impact: string;
  readonly help: string;
  /** The offending elements (CSS selectors) and axe's summary of each. */
  readonly nodes: readonly { readonly target: string; readonly summary: string }[];
}

/**
 * Runs axe-core in the page as it is now and returns its serious and critical WCAG 2.1 AA violations (empty when
 * there are none), with enough detail to fix them. The script goes in through the DevTools protocol
 * (page.evaluate), which the page's strict CSP does not apply to: a <script> tag would be refused, and the CSP must
 * stay as it is served.
 */
export async function seriousViolations(page: Page): Promise<AxeFinding[]> {
  if (!(await page.evaluate(() => "axe" in globalThis))) await page.evaluate(AXE_SOURCE);
  return page.evaluate(async (tags) => {
    const axe = (globalThis as any).axe;
    const result = await axe.run((globalThis as any).document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] });
    return result.violations
      .filter((v: any) => v.impact === "serious" || v.impact === "critical")
      .map((v: any) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.map((n: any) => ({ target: n.target.join(" "), summary: n.failureSummary })),
      }));
  }, WCAG_21_AA);
}
