/**
 * Batch linker CLI for state data administrators and evaluation:
 *
 *   npm run match -- --in records.csv --out clusters.csv --review review.csv [--model model.json] [--quiet]
 *
 * Reads the record CSV as a stream, reports malformed rows (with line
 * numbers) on stderr and skips them, links everything, and writes
 * clusters.csv (record_id,cluster_id — every accepted record once) and
 * review.csv (record_id_a,record_id_b,score).
 */
import { createReadStream, createWriteStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { linkBatch } from '../core/matching/batch.js';
import { loadDefaultModel } from '../core/matching/default-model.js';
import { validateModel, type MatchModel } from '../core/matching/model.js';
import { PERSON_COMPARISONS, personComparisonSet } from '../core/matching/person-comparisons.js';
import { CsvLineParser, RECORD_CSV_HEADER, csvField, rowToPersonRecord } from '../core/matching/record-csv.js';
import { standardize } from '../core/matching/standardize.js';
import type { StandardizedPerson } from '../core/matching/types.js';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const input = option('in');
const out = option('out');
const reviewOut = option('review');
const quiet = process.argv.includes('--quiet');
if (!input || !out || !reviewOut) {
  console.error('usage: npm run match -- --in records.csv --out clusters.csv --review review.csv [--model model.json]');
  process.exit(2);
}

const started = performance.now();
let lastProgress = 0;
function progress(message: string, force = false): void {
  if (quiet) return;
  const now = performance.now();
  if (!force && now - lastProgress < 2000) return;
  lastProgress = now;
  console.error(`[match ${((now - started) / 1000).toFixed(1)}s] ${message}`);
}

const SLIM_RAW = rowToPersonRecord([]);

async function main(): Promise<void> {
  const modelPath = option('model');
  const model: MatchModel = modelPath
    ? validateModel(JSON.parse(readFileSync(modelPath, 'utf8')) as MatchModel, PERSON_COMPARISONS.map((c) => c.field))
    : loadDefaultModel();

  const records: StandardizedPerson[] = [];
  const seen = new Set<string>();
  const parser = new CsvLineParser();
  let malformed = 0;
  let headerChecked = false;
  const reject = (line: number, why: string) => {
    malformed++;
    if (malformed <= 1000) console.error(`line ${line}: skipped: ${why}`);
    else if (malformed === 1001) console.error('… further malformed rows not listed');
  };
  const handle = (row: ReturnType<CsvLineParser['push']>) => {
    if (row === null) return;
    if ('error' in row) return reject(row.line, row.error);
    if (!headerChecked) {
      headerChecked = true;
      const header = row.fields.map((f, i) => (i === 0 ? f.replace(/^\uFEFF/, '') : f).trim());
      if (header.join(',') !== RECORD_CSV_HEADER.join(',')) {
        console.error(`line 1: header must be exactly:\n${RECORD_CSV_HEADER.join(',')}`);
        process.exit(2);
      }
      return;
    }
    if (row.fields.length === 1 && row.fields[0]!.trim() === '') return; // blank line
    if (row.fields.length !== RECORD_CSV_HEADER.length) return reject(row.line, `expected ${RECORD_CSV_HEADER.length} columns, found ${row.fields.length}`);
    const record = rowToPersonRecord(row.fields);
    if (record.recordId === '') return reject(row.line, 'empty record_id');
    if (seen.has(record.recordId)) return reject(row.line, `duplicate record_id ${record.recordId}`);
    seen.add(record.recordId);
    const std = standardize(record);
    // The batch run never shows raw values; dropping them keeps 1M records well inside memory.
    std.raw = SLIM_RAW;
    records.push(std);
    if ((records.length & 0xffff) === 0) progress(`read ${records.length} records`);
  };
  const lines = createInterface({ input: createReadStream(input!, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of lines) handle(parser.push(line));
  handle(parser.end());
  seen.clear();
  progress(`read ${records.length} records, ${malformed} malformed rows skipped`, true);

  const result = linkBatch(records, personComparisonSet, model, {
    onProgress: (phase, done, total) => progress(`${phase} ${done}/${total}`),
  });
  progress(
    `scored ${result.stats.candidatePairs} candidate pairs; ${result.stats.linkEdges} links, ${result.stats.clusters} clusters, ${result.review.length} review pairs`,
    true,
  );

  const clusters = createWriteStream(out!, { encoding: 'utf8' });
  const write = async (stream: typeof clusters, text: string) => {
    if (!stream.write(text)) await once(stream, 'drain');
  };
  await write(clusters, 'record_id,cluster_id\n');
  let chunk = '';
  for (let i = 0; i < records.length; i++) {
    chunk += `${csvField(records[i]!.recordId)},${csvField(records[result.clusterOf[i]!]!.recordId)}\n`;
    if (chunk.length > 1 << 16) {
      await write(clusters, chunk);
      chunk = '';
    }
  }
  const clustersDone = once(clusters, 'finish');
  clusters.end(chunk);
  const review = createWriteStream(reviewOut!, { encoding: 'utf8' });
  chunk = 'record_id_a,record_id_b,score\n';
  for (const p of result.review.sort((x, y) => y.probability - x.probability)) {
    chunk += `${csvField(records[p.a]!.recordId)},${csvField(records[p.b]!.recordId)},${p.probability.toFixed(6)}\n`;
    if (chunk.length > 1 << 16) {
      await write(review, chunk);
      chunk = '';
    }
  }
  const reviewDone = once(review, 'finish');
  review.end(chunk);
  await Promise.all([clustersDone, reviewDone]);
  const seconds = (performance.now() - started) / 1000;
  console.error(
    `done: ${records.length} records, ${malformed} malformed rows skipped, ${result.stats.clusters} clusters, ${result.review.length} review pairs in ${seconds.toFixed(1)} s, peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB (rules ${model.rulesVersion})`,
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
