// Timing marks the benchmarks read back (window.__reactive.perf): the first and
// the latest time (performance.now(), ms since navigation) each mark was hit.

class Marks {
  readonly first: Record<string, number> = {};
  readonly last: Record<string, number> = {};

  mark(name: string): void {
    const now = performance.now();
    this.first[name] ??= now;
    this.last[name] = now;
  }

  /** Accumulated milliseconds spent in `name` (e.g. applying changes to the DOM). */
  readonly total: Record<string, number> = {};

  add(name: string, ms: number): void {
    this.total[name] = (this.total[name] ?? 0) + ms;
  }

  has(name: string): boolean {
    return name in this.first;
  }

  reset(): void {
    for (const k of Object.keys(this.first)) delete this.first[k];
    for (const k of Object.keys(this.last)) delete this.last[k];
    for (const k of Object.keys(this.total)) delete this.total[k];
  }
}

export const perf = new Marks();
