import axe from 'axe-core';
import type { Page } from 'playwright-core';

/** One rule that axe-core found broken on a page, with the elements that break it. */
export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string; summary: string }>;
}

/** Rules held to zero violations whatever impact axe gives them (heading-order is only "moderate"). */
export const ALWAYS_CHECKED = ['color-contrast', 'label-content-name-mismatch', 'heading-order'];

/**
 * Runs axe-core on the page as it is now and returns the violations that count: every serious
 * or critical one, and any of ALWAYS_CHECKED. The engine goes in through the DevTools protocol
 * (page.evaluate), which the page's strict CSP does not govern, so the page is tested as served.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  const loaded = await page.evaluate('typeof window.axe === "object"');
  if (!loaded) await page.evaluate(axe.source);
  const found = (await page.evaluate(`window.axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({
    id: v.id,
    impact: v.impact ?? null,
    help: v.help,
    nodes: v.nodes.map((n) => ({ target: n.target.join(' '), summary: (n.failureSummary || '').split('\\n').slice(0, 3).join(' ') })),
  })))`)) as AxeViolation[];
  return found.filter((v) => v.impact === 'serious' || v.impact === 'critical' || ALWAYS_CHECKED.includes(v.id));
}
