import chalk from 'chalk';
import type { Health, StatusRow } from './report.ts';

const paint: Record<Health, (s: string) => string> = {
  up: chalk.green,
  degraded: chalk.yellow,
  down: chalk.red,
  skipped: chalk.gray,
};

export function renderStatusTable(rows: StatusRow[], colour: boolean): string {
  const header = ['COMPONENT', 'NAME', 'ADDRESS', 'HEALTH', 'DETAIL'];
  const cells = rows.map((r) => [r.component, r.name, r.address, r.health, r.detail]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const fmt = (row: string[], health?: Health) =>
    row
      .map((cell, i) => {
        const padded = i === row.length - 1 ? cell : cell.padEnd(widths[i]!);
        return i === 3 && health && colour ? paint[health](padded) : padded;
      })
      .join('  ');
  return [fmt(header), ...cells.map((c, i) => fmt(c, rows[i]!.health))].join('\n');
}
