/**
 * Writes a synthetic migrant population in the CLI's CSV format, plus an
 * optional truth file (record_id,child_id,twin_group).
 *
 *   npx tsx bench/matching/write-synthetic-csv.ts --records 100000 --seed 3 --out records.csv [--truth truth.csv]
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { RECORD_CSV_HEADER, personRecordToCsvLine } from '../../lab/matching/record-csv.js';
import { generatePopulation } from '../../lab/matching/synthetic/generator.js';
import { integerOption, parseCommandLine, usageError } from '../../lib/cli.js';

export async function writeSyntheticCsv(records: number, seed: number, out: string, truthOut?: string): Promise<void> {
  const stream = createWriteStream(out, { encoding: 'utf8' });
  const truth = truthOut ? createWriteStream(truthOut, { encoding: 'utf8' }) : null;
  let chunk = `${RECORD_CSV_HEADER.join(',')}\n`;
  let truthChunk = 'record_id,child_id,twin_group\n';
  for (const r of generatePopulation({ records, seed })) {
    chunk += `${personRecordToCsvLine(r.record)}\n`;
    if (truth) truthChunk += `${r.record.recordId},${r.childId},${r.twinGroup ?? ''}\n`;
    if (chunk.length > 1 << 20) {
      if (!stream.write(chunk)) await once(stream, 'drain');
      chunk = '';
      if (truth) {
        if (!truth.write(truthChunk)) await once(truth, 'drain');
        truthChunk = '';
      }
    }
  }
  stream.end(chunk);
  truth?.end(truthChunk);
  await once(stream, 'finish');
  if (truth) await once(truth, 'finish');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const usage = 'usage: write-synthetic-csv.ts --records N --seed S --out file.csv [--truth truth.csv]';
  const { values } = parseCommandLine({
    usage,
    options: {
      records: { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string' },
      truth: { type: 'string' },
    },
  });
  if (!values.out) usageError('--out is required', usage);
  await writeSyntheticCsv(
    integerOption(values.records, 'records', 100_000, usage),
    integerOption(values.seed, 'seed', 3, usage, 0),
    values.out,
    values.truth,
  );
}
