import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

/**
 * One source per figure (docs/figures.md has the rule for writers). A *figure* is a measurement written
 * in README.md or docs/*.md:
 * - a number followed by `ms`, `req/s`, `rows/s`, `users/s` or `×`, unless a comparison stands before it
 *   (`<`, `>`, `≤`, `≥`, under, over, below, above, at most, at least, up to: a target or a limit), a
 *   setting word (every, each, after, within) or after it (interval, timeout, period, poll);
 * - a number followed by `s`, `min` or `minutes` right after `in`, `took`, `takes`, `about`, `~` or `=`
 *   (a duration that was measured, not a setting such as "every 10 s");
 * - in a table whose header names a unit (`ms`, `s`, `req/s`, …) or which links a report: each cell that
 *   opens with a number (bold allowed), e.g. `| **13,930** |` or `| 35.9 s (…) |`.
 * A figure's *block* is its paragraph or table (lines between blank lines, outside code fences); a table
 * also takes the links of the block right above it. Every figure must sit in a block that links a
 * committed file under reports/, and its number (each end of a range) must occur in one of the files that
 * block links. Code (fences and `inline code`) is not read: sample outputs, commands, literals.
 */

const number = String.raw`\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?`;
const range = String.raw`(${number})(?:\s?[–-]\s?(${number}))?`;
const comparison = String.raw`(?<!(?:[<>≤≥]|\bunder|\bover|\bbelow|\babove|\bat most|\bat least|\bup to|\bevery|\beach|\bafter|\bwithin)\s?~?)`;
/** A setting, not a measurement: "a 500 ms interval", "a 2 s timeout". */
const setting = String.raw`(?!\s(?:interval|timeout|period|poll))`;
const rateFigure = new RegExp(
  String.raw`${comparison}(?<![\d.,])${range}\s?(?:ms|req/s|rows/s|users/s|×)(?![\w/])${setting}`,
  'gi',
);
const durationFigure = new RegExp(
  String.raw`(?:\bin|\btook|\btakes|\babout|~|=)\s?${range}\s?(?:s|min|minutes)\b`,
  'g',
);
const numericCell = new RegExp(String.raw`^\**(${number})\**(?=\s|$)`);
const unitInHeader = /\b(ms|s|min|minutes|req\/s|rows\/s|users\/s)\b|×/;
const reportLink = /\]\(((?:\.\.\/)*reports\/[^)#\s]+)/g;

export interface Figure {
  file: string;
  /** Found as a table cell opening with a number (kept only in measurement tables). */
  cell?: boolean;
  line: number;
  text: string;
  numbers: string[];
}

export interface Block {
  file: string;
  figures: Figure[];
  /** Repository paths of the reports the block links. */
  reports: string[];
}

/** README.md and docs/**.md, relative to the repository root. */
export function documents(root: string): string[] {
  const docs = readdirSync(join(root, 'docs'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.md'))
    .map((f) => join('docs', f));
  return ['README.md', ...docs.sort()];
}

export function figuresIn(file: string, line: number, raw: string, inTable: boolean): Figure[] {
  // Inline code is a command or a literal, not a measurement.
  const text = raw.replace(/`[^`]*`/g, '``');
  const found: Figure[] = [];
  const add = (match: RegExpMatchArray) =>
    found.push({
      file,
      line,
      text: match[0].trim(),
      numbers: [match[1]!, match[2]].filter((n): n is string => !!n),
    });
  for (const match of text.matchAll(rateFigure)) add(match);
  for (const match of text.matchAll(durationFigure)) add(match);
  if (inTable)
    for (const cell of text.split('|').map((c) => c.trim())) {
      const match = numericCell.exec(cell);
      if (match) found.push({ file, line, text: cell, numbers: [match[1]!], cell: true });
    }
  return found;
}

/** The blocks of one Markdown file, with their figures and report links; code fences are skipped. */
export function blocksOf(file: string, markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  let current: (Block & { table: boolean; header: string }) | undefined;
  const close = () => {
    if (!current) return;
    const measured = current.reports.length > 0 || unitInHeader.test(current.header);
    const { table: _table, header: _header, ...block } = current;
    blocks.push({ ...block, figures: block.figures.filter((f) => !f.cell || measured) });
    current = undefined;
  };
  let fenced = false;
  lines.forEach((text, index) => {
    if (text.trimStart().startsWith('```')) fenced = !fenced;
    const table = text.trimStart().startsWith('|');
    if (
      fenced ||
      text.trim() === '' ||
      text.trimStart().startsWith('```') ||
      (current && current.table !== table)
    )
      close();
    if (fenced || text.trim() === '' || text.trimStart().startsWith('```')) return;
    if (!current) {
      // A table also takes the links of the block right above it (the sentence that introduces it).
      const inherited = table ? [...(blocks.at(-1)?.reports ?? [])] : [];
      current = { file, figures: [], reports: inherited, table, header: table ? text : '' };
    }
    const separator = /^\s*\|[\s:|-]+\|\s*$/;
    if (!separator.test(text) && !(table && separator.test(lines[index + 1] ?? '')))
      current.figures.push(...figuresIn(file, index + 1, text, table));
    for (const link of text.matchAll(reportLink)) current.reports.push(join(dirname(file), link[1]!));
  });
  close();
  return blocks;
}

const digitsOnly = (n: string) => n.replace(/,/g, '');

/** Whether a report's text holds the number as a number of its own (not part of a longer one). */
export function reportHolds(report: string, figure: string): boolean {
  const wanted = digitsOnly(figure).replace('.', '\\.');
  return new RegExp(String.raw`(?<![\d.])${wanted}(?![\d]|\.\d)`).test(
    report.replace(/(\d),(?=\d{3})/g, '$1'),
  );
}

/** Every figure of README.md and docs/ that no report it links contains, as "file:line: problem". */
export function unsourcedFigures(root: string): string[] {
  const problems: string[] = [];
  const read = (path: string) => readFileSync(join(root, path), 'utf8');
  for (const file of documents(root)) {
    for (const block of blocksOf(file, read(file))) {
      if (!block.figures.length) continue;
      const reports: string[] = [];
      for (const path of new Set(block.reports)) {
        try {
          reports.push(read(path));
        } catch {
          problems.push(`${file}: links ${relative('.', path)}, which is not committed`);
        }
      }
      for (const figure of block.figures) {
        const where = `${figure.file}:${figure.line}: "${figure.text}"`;
        if (!block.reports.length) problems.push(`${where} names no report (link one under reports/)`);
        else if (!figure.numbers.every((n) => reports.some((r) => reportHolds(r, n))))
          problems.push(`${where} is in none of ${[...new Set(block.reports)].join(', ')}`);
      }
    }
  }
  return problems;
}
