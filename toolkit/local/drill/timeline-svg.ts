import type { Bucket } from './measure.ts';

export interface TimelineMark {
  at: number;
  label: string;
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * A small hand-written SVG: answers per slice in two lanes (writes, reads), accepted in green and
 * failed in red stacked above, with the drill's events as labelled vertical lines. The toolkit may not
 * import the WRK report's chart code (benchmarks/ sits above it), and that draws line charts anyway.
 */
export function renderTimeline(
  title: string,
  slices: Bucket[],
  sliceMs: number,
  from: number,
  marks: TimelineMark[],
): string {
  const width = 900;
  const left = 60;
  const right = 20;
  const lane = 110;
  const top = 40 + marks.length * 14;
  const plot = width - left - right;
  const span = Math.max(1, slices.length * sliceMs);
  const x = (at: number) => left + ((at - from) / span) * plot;
  const barWidth = Math.max(1, plot / slices.length - 0.5);
  const height = top + 2 * (lane + 30) + 30;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${left}" y="18" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  const lanes: Array<[string, (b: Bucket) => number, (b: Bucket) => number]> = [
    ['writes', (b) => b.writesOk, (b) => b.writesFailed],
    ['reads', (b) => b.readsOk, (b) => b.readsFailed],
  ];
  lanes.forEach(([name, okOf, failedOf], index) => {
    const base = top + index * (lane + 30) + lane;
    const max = Math.max(1, ...slices.map((b) => okOf(b) + failedOf(b)));
    const scale = (n: number) => (n / max) * (lane - 10);
    out.push(
      `<text x="${left - 8}" y="${base - lane / 2}" text-anchor="end">${name}</text>`,
      `<text x="${left - 8}" y="${base - lane + 12}" text-anchor="end" fill="#666">${max}</text>`,
      `<line x1="${left}" y1="${base}" x2="${width - right}" y2="${base}" stroke="#999"/>`,
    );
    slices.forEach((b, i) => {
      const bx = (left + i * (plot / slices.length)).toFixed(1);
      const okHeight = scale(okOf(b));
      const failedHeight = scale(failedOf(b));
      if (okHeight > 0)
        out.push(
          `<rect x="${bx}" y="${(base - okHeight).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${okHeight.toFixed(1)}" fill="#2e9e4f"/>`,
        );
      if (failedHeight > 0)
        out.push(
          `<rect x="${bx}" y="${(base - okHeight - failedHeight).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${failedHeight.toFixed(1)}" fill="#d33"/>`,
        );
    });
  });
  const axis = top + 2 * (lane + 30) - 14;
  for (let s = 0; s * 1000 <= span; s += span > 60_000 ? 10 : 5)
    out.push(
      `<text x="${x(from + s * 1000).toFixed(1)}" y="${axis}" text-anchor="middle" fill="#444">${s} s</text>`,
    );
  marks.forEach((mark, i) => {
    const mx = x(mark.at).toFixed(1);
    const labelY = 34 + i * 14;
    out.push(
      `<line x1="${mx}" y1="${labelY + 2}" x2="${mx}" y2="${axis - 12}" stroke="#335" stroke-dasharray="3,3"/>`,
      // Labels of late events end at their line, so they stay inside the picture.
      `<text x="${mx}" y="${labelY}" fill="#224"${x(mark.at) > width * 0.6 ? ' text-anchor="end"' : ''}>${escapeXml(mark.label)}</text>`,
    );
  });
  out.push(
    `<text x="${left}" y="${height - 8}" fill="#444">answers per ${sliceMs} ms slice: <tspan fill="#2e9e4f">accepted</tspan>, <tspan fill="#d33">failed or refused</tspan></text>`,
    '</svg>',
    '',
  );
  return out.join('\n');
}
