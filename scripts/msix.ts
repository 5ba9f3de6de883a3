/**
 * `msix`, the vendor command line.
 *
 *   msix validate <file|folder> [--adapter <id>] [--state XX] [--json] [--csv <out.csv>] [--report <out.json>] [--config <adapter-config.json>]
 *       Reads a state file offline with the same adapter and the same report as the gateway.
 *   msix submit <file> --state XX        (phase 2: uploads with a progress bar)
 *
 * Exit codes: 0 every record applied and no file error; 1 something was rejected or a file error; 2 usage.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { inputFromPath, loadAdapters } from '../adapters/sdk/index.js';
import { ReportBuilder, renderReportCsv, renderReportJson, renderReportSummary } from '../core/ingest/report.js';

const USAGE = `usage:
  msix validate <file|folder> [--adapter <id>] [--state XX] [--json] [--csv <out.csv>] [--report <out.json>] [--config <adapter-config.json>]
  msix submit <file> --state XX   (not available yet)
  msix adapters                   list installed adapters and disabled ones`;

interface Flags { _: string[]; [k: string]: string | boolean | string[] }

function parseArgs(argv: string[]): Flags {
  const flags: Flags = { _: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--')) {
      const [k, v] = a.slice(2).split('=', 2) as [string, string | undefined];
      if (v !== undefined) flags[k] = v;
      else if (['json', 'help'].includes(k)) flags[k] = true;
      else flags[k] = argv[++i] ?? '';
    } else flags._.push(a);
  }
  return flags;
}

const str = (f: Flags, k: string) => (typeof f[k] === 'string' ? (f[k] as string) : undefined);

async function validate(f: Flags): Promise<number> {
  const path = f._[1];
  if (!path) { console.error(USAGE); return 2; }
  const configPath = str(f, 'config');
  const adapterConfig = configPath ? JSON.parse(await readFile(configPath, 'utf8')) : undefined;
  let id = str(f, 'adapter');
  const registry = await loadAdapters(id && adapterConfig ? { only: [id], adapters: { [id]: adapterConfig } } : id ? { only: [id] } : {});
  if (!id) {
    const candidates = registry.forFileName(path);
    if (candidates.length !== 1) {
      console.error(`cannot tell the adapter from the file name; pass --adapter (${[...registry.adapters.keys()].join(', ')})`);
      return 2;
    }
    id = candidates[0]!.manifest.id;
  }
  const adapter = registry.get(id);
  if (!adapter) {
    const off = registry.disabled.find((d) => d.id === id);
    console.error(off ? `adapter ${id} is disabled (${off.stage}): ${off.reason}` : `no adapter ${id}; installed: ${[...registry.adapters.keys()].join(', ')}`);
    return 2;
  }
  const stateCode = str(f, 'state')?.toUpperCase();
  const builder = new ReportBuilder({ adapter: id, fileName: basename(path), ...(stateCode ? { stateCode } : {}), startedAt: new Date().toISOString() });
  const input = await inputFromPath(resolve(path));
  for await (const ev of adapter.parse(input, { ...(stateCode ? { stateCode } : {}), fileName: basename(path) })) builder.add(ev);
  const report = builder.build(new Date().toISOString());
  const csvPath = str(f, 'csv');
  if (csvPath) await writeFile(csvPath, renderReportCsv(report));
  const jsonPath = str(f, 'report');
  if (jsonPath) await writeFile(jsonPath, renderReportJson(report));
  if (f.json) console.log(renderReportJson(report));
  else console.log(renderReportSummary(report));
  return report.counts.rejected || report.counts.unsupported || report.counts.fileErrors ? 1 : 0;
}

async function submit(_f: Flags): Promise<number> {
  // Phase 2: stream the file to POST /api/v1/states/{state}/files with a progress bar,
  // then poll GET /api/v1/exchanges/{id} and print the same summary as `validate`.
  console.error('msix submit is not available yet: use `msix validate` offline, then upload through the gateway.');
  return 2;
}

async function adapters(): Promise<number> {
  const registry = await loadAdapters();
  for (const a of registry.adapters.values()) console.log(`${a.manifest.id}@${a.manifest.version}  states ${a.manifest.states.join(',')}  ${a.manifest.formats.map((x) => x.extensions.map((e) => `.${e}`).join('/')).join(' ')}`);
  for (const d of registry.disabled) console.log(`${d.id}  DISABLED (${d.stage}): ${d.reason}`);
  return 0;
}

const flags = parseArgs(process.argv.slice(2));
const cmd = flags._[0];
const code = flags.help || !cmd ? (console.log(USAGE), cmd ? 0 : 2)
  : cmd === 'validate' ? await validate(flags)
  : cmd === 'submit' ? await submit(flags)
  : cmd === 'adapters' ? await adapters()
  : (console.error(`unknown command ${cmd}\n${USAGE}`), 2);
process.exit(code);
