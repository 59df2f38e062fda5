/**
 * L2-regularised logistic regression by Newton's method, on standardised features, with a
 * weight per example: what `npm run calibrate:combiner` fits the learned combiner with. A few
 * hundred examples of about twenty features: an exact Newton step costs nothing.
 */

/** One training example. */
export interface Example {
  x: number[];
  y: boolean;
  /** Weight of the example in the loss (each story weighs the same, whatever its size). */
  weight: number;
}

/** A fitted model on standardised features. */
export interface LogisticFit {
  mean: number[];
  scale: number[];
  coefficients: number[];
  intercept: number;
}

/**
 * Fits the model; `lambda` is the L2 penalty on the standardised coefficients (not the
 * intercept). `signs[j]` = +1 or −1 constrains coefficient j to that sign (0: free): a
 * coefficient that comes out on the wrong side is fixed at 0 and the rest refitted, the most
 * wrong first, until none is (an active-set method).
 */
export function fitLogistic(examples: Example[], lambda: number, signs: readonly number[] = [], iterations = 30): LogisticFit {
  const fixed = new Set<number>();
  for (;;) {
    const fit = fitFree(examples, lambda, fixed, iterations);
    let worst = -1;
    let by = 0;
    fit.coefficients.forEach((c, j) => {
      const wrong = -(signs[j] ?? 0) * c;
      if (wrong > 1e-9 && wrong > by) {
        worst = j;
        by = wrong;
      }
    });
    if (worst < 0) return fit;
    fixed.add(worst);
  }
}

function fitFree(examples: Example[], lambda: number, fixed: ReadonlySet<number>, iterations: number): LogisticFit {
  const d = examples[0]?.x.length ?? 0;
  const total = examples.reduce((s, e) => s + e.weight, 0) || 1;
  const mean = new Array<number>(d).fill(0);
  const scale = new Array<number>(d).fill(0);
  for (const e of examples) for (let j = 0; j < d; j++) mean[j]! += (e.weight * e.x[j]!) / total;
  for (const e of examples) for (let j = 0; j < d; j++) scale[j]! += (e.weight * (e.x[j]! - mean[j]!) ** 2) / total;
  for (let j = 0; j < d; j++) scale[j] = Math.sqrt(scale[j]!) || 1;
  // A fixed coefficient stays 0: its standardised feature is 0 for every example.
  const active = (j: number) => !fixed.has(j);
  const z = examples.map((e) => [1, ...e.x.map((v, j) => (active(j) ? (v - mean[j]!) / scale[j]! : 0))]);
  const beta = new Array<number>(d + 1).fill(0);
  for (let it = 0; it < iterations; it++) {
    const grad = new Array<number>(d + 1).fill(0);
    const hess = Array.from({ length: d + 1 }, () => new Array<number>(d + 1).fill(0));
    examples.forEach((e, i) => {
      const zi = z[i]!;
      let s = 0;
      for (let j = 0; j <= d; j++) s += beta[j]! * zi[j]!;
      const p = 1 / (1 + Math.exp(-s));
      const w = e.weight / total;
      const r = w * ((e.y ? 1 : 0) - p);
      const h = w * Math.max(p * (1 - p), 1e-9);
      for (let j = 0; j <= d; j++) {
        grad[j]! += r * zi[j]!;
        for (let k = j; k <= d; k++) hess[j]![k]! += h * zi[j]! * zi[k]!;
      }
    });
    for (let j = 0; j <= d; j++) for (let k = 0; k < j; k++) hess[j]![k] = hess[k]![j]!;
    for (let j = 1; j <= d; j++) {
      grad[j]! -= lambda * beta[j]!;
      hess[j]![j]! += lambda;
    }
    hess[0]![0]! += 1e-9;
    const step = solve(hess, grad);
    let moved = 0;
    for (let j = 0; j <= d; j++) {
      beta[j]! += step[j]!;
      moved = Math.max(moved, Math.abs(step[j]!));
    }
    if (moved < 1e-8) break;
  }
  return { mean, scale, coefficients: beta.slice(1), intercept: beta[0]! };
}

/** Log-odds of a fitted model on raw features. */
export function logisticLogit(fit: LogisticFit, x: number[]): number {
  let s = fit.intercept;
  for (let j = 0; j < x.length; j++) s += fit.coefficients[j]! * ((x[j]! - fit.mean[j]!) / fit.scale[j]!);
  return s;
}

/** Solves A·x = b by Gaussian elimination with partial pivoting (A symmetric positive definite here). */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[pivot]![c]!)) pivot = r;
    [m[c], m[pivot]] = [m[pivot]!, m[c]!];
    const diag = m[c]![c]! || 1e-12;
    for (let r = c + 1; r < n; r++) {
      const f = m[r]![c]! / diag;
      if (f === 0) continue;
      for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r]![n]!;
    for (let k = r + 1; k < n; k++) s -= m[r]![k]! * x[k]!;
    x[r] = s / (m[r]![r]! || 1e-12);
  }
  return x;
}
