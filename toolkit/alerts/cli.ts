import { inventorySource } from '../inventory/load.ts';
import { parseArgs, usage } from '../procedure/args.ts';
import { oneLine, ToolkitError } from '../procedure/errors.ts';
import { AlertmanagerApi, type ManagedAlert } from './api.ts';

const flags = {
  env: { type: 'string', description: 'environment whose inventory names Alertmanager', default: 'local' },
  url: {
    type: 'string',
    description:
      "Alertmanager's address instead (compose: http://127.0.0.1:9093; a stack: its monitoring output)",
  },
  json: { type: 'boolean', description: 'print the alerts as one JSON array', default: false },
  help: { type: 'boolean', description: 'show this help', default: false },
} as const;

const summary = `The alerts Alertmanager holds now (its API v2), firing first, then those an inhibition or a silence
holds back: name, severity, node or instance, since when, summary and runbook. Changes nothing.
Exits 0 when none fires, 1 when some do, 2 on bad input.`;

/** The label that says where: a MySQL node, an app instance, a host, or the scrape target. */
const where = (a: ManagedAlert) =>
  a.labels.node ?? a.labels.instance_name ?? a.labels.host ?? a.labels.instance ?? '-';

/** One block per alert, in the order an operator acts: active first, then suppressed. */
export function renderAlerts(alerts: readonly ManagedAlert[]): string {
  if (alerts.length === 0) return 'no alert firing\n';
  const order = (a: ManagedAlert) => (a.state === 'active' ? 0 : 1);
  return [...alerts]
    .sort((a, b) => order(a) - order(b) || a.startsAt.localeCompare(b.startsAt))
    .map((a) => {
      const held = a.inhibitedBy.length ? 'inhibited' : a.silencedBy.length ? 'silenced' : a.state;
      const state = a.state === 'active' ? 'FIRING' : held.toUpperCase();
      return [
        `${state} ${a.name} (${a.labels.severity ?? 'no severity'}) on ${where(a)} since ${a.startsAt}`,
        ...(a.annotations.summary ? [`  ${a.annotations.summary}`] : []),
        ...(a.annotations.runbook ? [`  fix: ${a.annotations.runbook}`] : []),
      ].join('\n');
    })
    .join('\n')
    .concat('\n');
}

async function alertmanagerUrl(env: string, url: string | undefined): Promise<string> {
  if (url) {
    if (!/^https?:\/\/[^/\s]+\/?$/.test(url))
      throw new ToolkitError(`--url must be http://host:port, got '${url}'`);
    return url.replace(/\/$/, '');
  }
  const inventory = await inventorySource(env).load();
  const target = inventory.alertmanager;
  if (!target)
    throw new ToolkitError(
      env === 'local'
        ? 'the local environment runs no Alertmanager: npm run up starts it (prometheus-alertmanager installed)'
        : `the ${env} inventory names no alertmanager: pass --url`,
    );
  return `http://${target.host}:${target.port}`;
}

export async function alertsMain(words: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<typeof flags>>;
  try {
    parsed = parseArgs(words, flags);
    if (parsed.flags.help) {
      process.stdout.write(`${usage('alerts', summary, flags)}\n`);
      return 0;
    }
    if (parsed.positionals.length) throw new ToolkitError(`unexpected argument '${parsed.positionals[0]}'`);
  } catch (error) {
    process.stderr.write(`alerts: ${oneLine(error)}\n`);
    return 2;
  }
  try {
    const base = await alertmanagerUrl(parsed.flags.env, parsed.flags.url);
    const alerts = await new AlertmanagerApi(base).alerts();
    process.stdout.write(parsed.flags.json ? `${JSON.stringify(alerts)}\n` : renderAlerts(alerts));
    return alerts.some((a) => a.state === 'active') ? 1 : 0;
  } catch (error) {
    process.stderr.write(`alerts: ${oneLine(error)}\n`);
    return error instanceof ToolkitError ? 2 : 1;
  }
}
