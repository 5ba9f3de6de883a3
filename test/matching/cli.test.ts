import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RECORD_CSV_HEADER } from '../../lab/matching/record-csv.js';

describe('npm run match (CLI end to end)', () => {
  it('links a small file, reports malformed rows with line numbers and skips them', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'match-cli-'));
    const lines = [
      RECORD_CSV_HEADER.join(','),
      'r1,TX,TX1,María Guadalupe,,Hernández,Xocua,F,2012-03-04,N,Puebla,Puebla,MX,José,Hernández,Rosa,Xocua',
      'r2,CA,CA1,"Ma. Guadalupe",,HERNANDEZ-XOCUA,,F,2012-04-03,,,,,,,ROSA,XOCUA',
      'r3,FL,FL1,Lupe,Xocua,Hernandez,,F,2012-03-04,,,,,JOSE,HERNANDEZ,,',
      'r4,TX,TX2,Camila,,Hernández,Xocua,F,2012-03-04,Y,,,,José,Hernández,Rosa,Xocua',
      'r5,TX,TX3,too,few,columns',
      'r6,TX,TX4,"bad"quote,,X,Y,F,2012-01-01,,,,,,,,',
      'r7,WA,WA1,"Pedro, Jr",,Smith,,M,not-a-date,Q,,,,,,,',
      'r8,OR,OR1,,,,,X,2012-02-30,,,,,,,,',
      'r9,NY,NY1,"Ana',
      'María",,Pérez,,F,2010-05-05,,,,,,,,',
    ];
    const input = path.join(dir, 'records.csv');
    writeFileSync(input, `${lines.join('\n')}\n`);
    const out = path.join(dir, 'clusters.csv');
    const review = path.join(dir, 'review.csv');
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'scripts/match.ts', '--in', input, '--out', out, '--review', review],
      { encoding: 'utf8' },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/line 6: skipped: expected 17 columns, found 6/);
    expect(run.stderr).toMatch(/line 7: skipped: .*quote/);
    expect(run.stderr).toMatch(/done: 7 records, 2 malformed rows skipped/);
    const clusters = readFileSync(out, 'utf8').trim().split('\n');
    expect(clusters[0]).toBe('record_id,cluster_id');
    const cluster = new Map(clusters.slice(1).map((l) => l.split(',') as [string, string]));
    expect([...cluster.keys()].sort()).toEqual(['r1', 'r2', 'r3', 'r4', 'r7', 'r8', 'r9']);
    expect(cluster.get('r2')).toBe(cluster.get('r1'));
    expect(cluster.get('r3')).toBe(cluster.get('r1'));
    expect(cluster.get('r4')).not.toBe(cluster.get('r1'));
    expect(readFileSync(review, 'utf8').split('\n')[0]).toBe('record_id_a,record_id_b,score,conflicts,deciding_fields');
  }, 30_000);
});
