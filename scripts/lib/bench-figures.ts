import { appendFileSync } from 'node:fs';

/**
 * A figure a benchmark measured, for `npm run bench`'s one table (scripts/bench.ts): each bench script
 * prints its own lines as before and, when LJ_BENCH_FIGURES names a file, appends its headline figures
 * there as JSON lines. `met`: whether the figure meets `target` (undefined: no target).
 */
export interface BenchFigure {
  bench: string;
  what: string;
  value: string;
  target?: string;
  met?: boolean;
}

export function reportFigure(f: BenchFigure): void {
  const file = process.env.LJ_BENCH_FIGURES;
  if (file) appendFileSync(file, `${JSON.stringify(f)}\n`);
}
