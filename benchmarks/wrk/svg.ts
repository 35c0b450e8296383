/** A line of a chart: its points in data units; NaN or non-positive values on a log axis are left out. */
export interface ChartLine {
  name: string;
  points: Array<[number, number]>;
  dashed?: boolean;
  /** Lines of one group share a colour (the app and the database alone on the same servers). */
  group?: string;
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  lines: ChartLine[];
  /** Both axes are logarithmic: connections go 1 → 1000 and throughput spans orders of magnitude. */
  width?: number;
  height?: number;
}

const palette = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Powers of ten covering [min, max], at least one decade. */
function decades(min: number, max: number): number[] {
  const lo = Math.floor(Math.log10(min));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(max)));
  return Array.from({ length: hi - lo + 1 }, (_, i) => 10 ** (lo + i));
}

function tickLabel(v: number): string {
  if (v >= 1000) return `${v / 1000}k`;
  return String(Number(v.toPrecision(3)));
}

/** A log-log line chart as a small self-contained SVG (no fonts or scripts loaded). */
export function lineChart(options: ChartOptions): string {
  const width = options.width ?? 760;
  const height = options.height ?? 400;
  const m = { left: 70, right: 290, top: 40, bottom: 50 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const usable = options.lines.map((l) => ({
    ...l,
    points: l.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && x > 0 && y > 0),
  }));
  const xs = usable.flatMap((l) => l.points.map((p) => p[0]));
  const ys = usable.flatMap((l) => l.points.map((p) => p[1]));
  const xTicks = decades(xs.length ? Math.min(...xs) : 1, xs.length ? Math.max(...xs) : 10);
  const yTicks = decades(ys.length ? Math.min(...ys) : 1, ys.length ? Math.max(...ys) : 10);
  const scale = (ticks: number[], size: number, v: number): number =>
    ((Math.log10(v) - Math.log10(ticks[0]!)) / (Math.log10(ticks.at(-1)!) - Math.log10(ticks[0]!))) * size;
  const px = (v: number): number => m.left + scale(xTicks, plotW, v);
  const py = (v: number): number => m.top + plotH - scale(yTicks, plotH, v);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${m.left + plotW / 2}" y="22" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(options.title)}</text>`,
  ];
  for (const t of xTicks) {
    const x = px(t).toFixed(1);
    out.push(`<line x1="${x}" y1="${m.top}" x2="${x}" y2="${m.top + plotH}" stroke="#ddd"/>`);
    out.push(`<text x="${x}" y="${m.top + plotH + 16}" text-anchor="middle">${tickLabel(t)}</text>`);
  }
  for (const t of yTicks) {
    const y = py(t).toFixed(1);
    out.push(`<line x1="${m.left}" y1="${y}" x2="${m.left + plotW}" y2="${y}" stroke="#ddd"/>`);
    out.push(
      `<text x="${m.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${tickLabel(t)}</text>`,
    );
  }
  out.push(
    `<rect x="${m.left}" y="${m.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`,
    `<text x="${m.left + plotW / 2}" y="${height - 12}" text-anchor="middle">${escapeXml(options.xLabel)}</text>`,
    `<text transform="translate(16 ${m.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(options.yLabel)}</text>`,
  );
  const groups: string[] = [];
  usable.forEach((line, i) => {
    const group = line.group ?? line.name;
    if (!groups.includes(group)) groups.push(group);
    const color = palette[groups.indexOf(group) % palette.length]!;
    const dash = line.dashed ? ' stroke-dasharray="6 4"' : '';
    if (line.points.length > 0) {
      const d = line.points
        .map(([x, y], j) => `${j ? 'L' : 'M'}${px(x).toFixed(1)} ${py(y).toFixed(1)}`)
        .join(' ');
      out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${dash}/>`);
      for (const [x, y] of line.points)
        out.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="${color}"/>`);
    }
    const ly = m.top + 10 + i * 18;
    const lx = m.left + plotW + 12;
    out.push(
      `<line x1="${lx}" y1="${ly}" x2="${lx + 20}" y2="${ly}" stroke="${color}" stroke-width="2"${dash}/>`,
    );
    out.push(
      `<text x="${lx + 26}" y="${ly}" dominant-baseline="middle">${escapeXml(line.name)}${line.points.length ? '' : ' (no data)'}</text>`,
    );
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
