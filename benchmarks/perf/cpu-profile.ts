/** The parts of V8's .cpuprofile (node --cpu-prof) a summary needs. */
export interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    hitCount?: number;
    children?: number[];
  }>;
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface FunctionCost {
  /** `name (file:line)`, the file relative to the project or its package under node_modules. */
  name: string;
  area: string;
  selfMs: number;
  /** Share of all samples, 0..1. */
  selfShare: number;
}

export interface ProfileSummary {
  totalMs: number;
  /** Share of the samples where the thread was idle (waiting for I/O): what the process had to spare. */
  idleShare: number;
  functions: FunctionCost[];
  /** Self time summed by area (our app, fastify, mysql2, pino, node internals, GC...), largest first. */
  areas: Array<{ area: string; selfMs: number; selfShare: number }>;
}

const special: Record<string, string> = {
  '(idle)': 'idle',
  '(garbage collector)': 'GC',
  '(program)': 'V8 and native (program)',
  '(root)': 'V8 and native (program)',
};

/** Which party a frame belongs to: a package under node_modules, our own folders, or node itself. */
export function areaOf(functionName: string, url: string): string {
  const s = special[functionName];
  if (s && !url) return s;
  if (!url) return 'native';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return 'node internals';
  const own = /\/(app\/src|lib|toolkit|benchmarks)\/([^/]+)/.exec(url);
  if (own) return own[1] === 'app/src' ? `app/src/${own[2]!.replace(/\.ts$/, '')}` : own[1]!;
  return 'other';
}

function shortUrl(url: string): string {
  const pkg = /node_modules\/(.*)$/.exec(url);
  if (pkg) return pkg[1]!;
  const own = /\/((?:app|lib|toolkit|benchmarks)\/.*)$/.exec(url);
  return own ? own[1]! : url.replace(/^file:\/\//, '');
}

/**
 * Self time per function and per area from the samples (each sample's time delta goes to the node
 * it landed in), the top `top` functions first. Idle is counted apart so the shares say where the
 * busy time went as well as how busy the thread was.
 */
export function summarizeProfile(profile: CpuProfile, top = 30): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    // timeDeltas[i] is the time before sample i; the next one is how long sample i lasted.
    const d = deltas[i + 1] ?? 0;
    selfUs.set(samples[i]!, (selfUs.get(samples[i]!) ?? 0) + Math.max(0, d));
  }
  const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0) || 1;
  const functions = new Map<string, FunctionCost>();
  const areas = new Map<string, number>();
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const area = areaOf(functionName, url);
    if (area === 'idle') idleUs += us;
    areas.set(area, (areas.get(area) ?? 0) + us);
    const name = url
      ? `${functionName || '(anonymous)'} (${shortUrl(url)}:${lineNumber + 1})`
      : functionName || '(anonymous)';
    const f = functions.get(name) ?? { name, area, selfMs: 0, selfShare: 0 };
    f.selfMs += us / 1000;
    functions.set(name, f);
  }
  for (const f of functions.values()) f.selfShare = (f.selfMs * 1000) / totalUs;
  return {
    totalMs: totalUs / 1000,
    idleShare: idleUs / totalUs,
    functions: [...functions.values()].sort((a, b) => b.selfMs - a.selfMs).slice(0, top),
    areas: [...areas.entries()]
      .map(([area, us]) => ({ area, selfMs: us / 1000, selfShare: us / totalUs }))
      .sort((a, b) => b.selfMs - a.selfMs),
  };
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

/** The summary as Markdown tables: by area, then the top functions by self time. */
export function profileMarkdown(summary: ProfileSummary): string {
  const lines = [
    `Sampled ${(summary.totalMs / 1000).toFixed(1)} s of the app's main thread; idle ${pct(summary.idleShare)} (waiting for I/O).`,
    '',
    '| area | self ms | share |',
    '|---|--:|--:|',
    ...summary.areas.map((a) => `| ${a.area} | ${a.selfMs.toFixed(0)} | ${pct(a.selfShare)} |`),
    '',
    '| function (self time) | area | self ms | share |',
    '|---|---|--:|--:|',
    ...summary.functions.map(
      (f) =>
        `| \`${f.name.replaceAll('|', '\\|')}\` | ${f.area} | ${f.selfMs.toFixed(0)} | ${pct(f.selfShare)} |`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}
