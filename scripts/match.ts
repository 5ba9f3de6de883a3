/**
 * Batch linker CLI for state data administrators and evaluation:
 *
 * npm run match -- --in records.csv --out clusters.csv --review review.csv [--model model.json] [--threads N]
 * [--reestimate [--model-out model.json]] [--quiet]
 * npm run match -- --explain-model [--model model.json]
 *
 * `--explain-model` prints the model's parameters (m and u per comparison level, their weights, the prior,
 * thresholds, term-frequency tables and where they were estimated) and exits. `--reestimate` estimates the
 * parameters again on this load by EM (no labels) before linking, starting from the model given.
 * review.csv holds one row per pair of clusters: the strongest record pair, its probability, every
 * conflict seen between the two clusters and the fields that decided the score (largest weights).
 *
 * Reads the record CSV as a stream, reports malformed rows (with line
 * numbers) on stderr and skips them, links everything, and writes
 * clusters.csv (record_id,cluster_id — every accepted record once) and
 * review.csv (record_id_a,record_id_b,score,conflicts,deciding_fields). With more than one thread
 * (default: 2 on files over 32 MB) worker threads read the file too and
 * score a share of the candidate pairs; the output is the same.
 */
import { createWriteStream, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { once } from 'node:events';
import { linkBatch, type BatchResult } from '../core/matching/batch.js';
import { RecordCsvHeaderError, readStandardizedCsv } from '../lab/matching/batch-csv.js';
import { loadDefaultModel } from '../core/matching/default-model.js';
import { validateModel, type MatchModel } from '../core/matching/model.js';
import {
  BatchWorkerPool,
  PERSON_SET_REF,
  csvRecordSource,
  linkBatchParallel,
} from '../lab/matching/parallel/link-parallel.js';
import { PERSON_COMPARISONS, personComparisonSet } from '../core/matching/person-comparisons.js';
import { csvLine } from '@msix/adapter-sdk/csv';
import { reestimateOnLoad } from '../lab/matching/training.js';
import { explainModel } from '../lab/matching/explain-model.js';
import { compileModel } from '../core/matching/scoring.js';
import { integerOption, parseCommandLine, usageError } from '../lib/cli.js';

const USAGE =
  'usage: npm run match -- --in records.csv --out clusters.csv --review review.csv [--model model.json] ' +
  '[--threads N]\n' +
  '                        [--reestimate [--model-out model.json]] [--quiet]\n' +
  '       npm run match -- --explain-model [--model model.json]';
const { values } = parseCommandLine({
  usage: USAGE,
  options: {
    in: { type: 'string' },
    out: { type: 'string' },
    review: { type: 'string' },
    model: { type: 'string' },
    threads: { type: 'string' },
    'model-out': { type: 'string' },
    reestimate: { type: 'boolean' },
    'explain-model': { type: 'boolean' },
    quiet: { type: 'boolean' },
  },
});

const { in: input, out, review: reviewOut } = values;
const quiet = values.quiet ?? false;
if (values['explain-model']) {
  const path = values.model;
  const model = path
    ? validateModel(
        JSON.parse(readFileSync(path, 'utf8')) as MatchModel,
        PERSON_COMPARISONS.map((c) => c.field),
      )
    : loadDefaultModel();
  console.log(explainModel(model));
  process.exit(0);
}
if (!input || !out || !reviewOut) usageError('--in, --out and --review are required', USAGE);

const started = performance.now();
let lastProgress = 0;
function progress(message: string, force = false): void {
  if (quiet) return;
  const now = performance.now();
  if (!force && now - lastProgress < 2000) return;
  lastProgress = now;
  console.error(`[match ${((now - started) / 1000).toFixed(1)}s] ${message}`);
}

/**
 * Scoring threads (main included): every core by default, at most 2 — each
 * extra thread holds its own copy of the records (~1.2 GB per million).
 * Below ~300,000 records (32 MB) a worker does not pay for reading the file
 * a second time (measured: 100k took 9.6 s with 2 threads, 6.9 s with 1).
 */
function threadCount(): number {
  if (values.threads !== undefined) return integerOption(values.threads, 'threads', 1, USAGE);
  return statSync(input!).size < 32_000_000 ? 1 : Math.min(2, availableParallelism());
}

async function main(): Promise<void> {
  const modelPath = values.model;
  const baseModel: MatchModel = modelPath
    ? validateModel(
        JSON.parse(readFileSync(modelPath, 'utf8')) as MatchModel,
        PERSON_COMPARISONS.map((c) => c.field),
      )
    : loadDefaultModel();
  let model = baseModel;

  const threads = threadCount();
  // Workers start first: each reads and standardizes the file itself while this thread does.
  const pool =
    threads > 1
      ? BatchWorkerPool.start({ workers: threads - 1, source: csvRecordSource(input!), set: PERSON_SET_REF })
      : null;
  let shown = 0;
  let file: Awaited<ReturnType<typeof readStandardizedCsv>>;
  try {
    file = await readStandardizedCsv(input!, {
      onMalformed: (line, why) => {
        shown++;
        if (shown <= 1000) console.error(`line ${line}: skipped: ${why}`);
        else if (shown === 1001) console.error('… further malformed rows not listed');
      },
      onProgress: (n) => progress(`read ${n} records`),
    });
  } catch (err) {
    await pool?.close();
    if (err instanceof RecordCsvHeaderError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const { records, malformed } = file;
  progress(`read ${records.length} records, ${malformed} malformed rows skipped`, true);
  if (values.reestimate) {
    model = reestimateOnLoad(baseModel, records, personComparisonSet, { trainedOn: input! });
    progress(`parameters re-estimated by EM on ${records.length} records`, true);
    const modelOut = values['model-out'];
    if (modelOut) writeFileSync(modelOut, `${JSON.stringify(model, null, 1)}\n`);
  }

  // Phase times (wall, this process): read, blocking (keys + index), scoring, clustering, write.
  const phases: Array<[string, number]> = [['read', 0]];
  const enter = (phase: string) => {
    if (phases.at(-1)![0] !== phase) phases.push([phase, (performance.now() - started) / 1000]);
  };
  const onProgress = (phase: string, done: number, total: number) => {
    enter(phase);
    progress(`${phase} ${done}/${total}`);
  };
  const result: BatchResult = pool
    ? await linkBatchParallel(records, personComparisonSet, model, {
        pool,
        onProgress,
        onWarning: (m) => console.error(`warning: ${m}`),
        onShare: (job, byWorkers, chunks) =>
          progress(`${job}: ${byWorkers} of ${chunks} chunks done by worker threads`, true),
      })
    : linkBatch(records, personComparisonSet, model, { onProgress });
  progress(
    `scored ${result.stats.candidatePairs} candidate pairs; ${result.stats.linkEdges} links, ` +
      `${result.stats.clusters} clusters, ${result.review.length} review pairs (${threads} ` +
      `thread${threads > 1 ? 's' : ''})`,
    true,
  );

  enter('write');
  const clusters = createWriteStream(out!, { encoding: 'utf8' });
  const write = async (stream: typeof clusters, text: string) => {
    if (!stream.write(text)) await once(stream, 'drain');
  };
  await write(clusters, 'record_id,cluster_id\n');
  let chunk = '';
  for (let i = 0; i < records.length; i++) {
    chunk += csvLine([records[i]!.recordId, records[result.clusterOf[i]!]!.recordId], { eol: '\n' });
    if (chunk.length > 1 << 16) {
      await write(clusters, chunk);
      chunk = '';
    }
  }
  const clustersDone = once(clusters, 'finish');
  clusters.end(chunk);
  const review = createWriteStream(reviewOut!, { encoding: 'utf8' });
  chunk = 'record_id_a,record_id_b,score,conflicts,deciding_fields\n';
  const scorer = compileModel(model, personComparisonSet, { population: records.length });
  for (const p of result.review.sort((x, y) => y.probability - x.probability)) {
    const deciding = scorer
      .score(records[p.a]!, records[p.b]!)
      .contributions.filter((c) => c.level !== null && Math.abs(c.weight) >= 2)
      .sort((x, y) => Math.abs(y.weight) - Math.abs(x.weight))
      .map((c) => `${c.field}:${c.level}:${c.weight >= 0 ? '+' : ''}${c.weight.toFixed(1)}`)
      .join(' ');
    chunk += csvLine(
      [records[p.a]!.recordId, records[p.b]!.recordId, p.probability.toFixed(6), p.conflicts.join(' '), deciding],
      { eol: '\n' },
    );
    if (chunk.length > 1 << 16) {
      await write(review, chunk);
      chunk = '';
    }
  }
  const reviewDone = once(review, 'finish');
  review.end(chunk);
  await Promise.all([clustersDone, reviewDone]);
  const seconds = (performance.now() - started) / 1000;
  phases.push(['end', seconds]);
  const phaseTimes = phases.slice(0, -1).map(([name, at], k) => `${name} ${(phases[k + 1]![1] - at).toFixed(1)} s`);
  if (!quiet) console.error(`phases: ${phaseTimes.join(', ')}`);
  console.error(
    `done: ${records.length} records, ${malformed} malformed rows skipped, ${result.stats.clusters} ` +
      `clusters, ${result.review.length} review pairs in ${seconds.toFixed(1)} s, peak RSS ` +
      `${Math.round(process.resourceUsage().maxRSS / 1024)} MB (rules ${model.rulesVersion})`,
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
