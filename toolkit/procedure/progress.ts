/** Formats "label [#####.....] 45% 45,000/100,000 rows 12,345/s ETA 0:04" for long work. */
export class ProgressMeter {
  private readonly started: number;
  private done = 0;

  constructor(
    private readonly label: string,
    private readonly total: number | undefined,
    private readonly unit: string,
    private readonly emit: (text: string) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.started = now();
  }

  advance(by: number): void {
    this.set(this.done + by);
  }

  set(done: number): void {
    this.done = done;
    this.emit(this.render());
  }

  rate(): number {
    const seconds = (this.now() - this.started) / 1000;
    return seconds > 0 ? this.done / seconds : 0;
  }

  render(): string {
    const rate = this.rate();
    const count = `${fmt(this.done)}${this.total !== undefined ? `/${fmt(this.total)}` : ''} ${this.unit}`;
    const speed = `${fmt(Math.round(rate))}/s`;
    if (this.total === undefined || this.total <= 0) return `${this.label} ${count} ${speed}`;
    const fraction = Math.min(1, this.done / this.total);
    const width = 20;
    const filled = Math.round(fraction * width);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
    const eta = rate > 0 ? duration((this.total - this.done) / rate) : '?';
    return `${this.label} ${bar} ${Math.floor(fraction * 100)}% ${count} ${speed} ETA ${eta}`;
  }
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const m = Math.floor(s / 60);
  return `${m}:${String(s % 60).padStart(2, '0')}`;
}
