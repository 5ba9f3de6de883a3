/**
 * Proof against real material: the Grand Bend ISD sample interchange files of
 * Ed-Fi Data Standard 5.2 (read in place from the shared data folder),
 * converted to Ed-Fi JSON and loaded through the API in the order
 * `/metadata/data/v3/dependencies` gives, then read back. Every document
 * comes back as sent (UNSUPPORTED lists what would not).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSystem, type TestSystem } from '../support/system.js';
import { sharedData } from '../support/data.js';
import { BASE, asSent, edfiClient, type EdfiClient } from './support/client.js';
import { convertInterchange, type Converted } from './support/interchange.js';
import { identityKey } from '../../core/edfi/keys.js';
import { resourceNamed } from '../../specs/edfi/catalog.js';

const FILES = [
  'EducationOrganization.xml',
  'Student.xml',
  'StudentProgram.xml',
  'StudentAssessment-SAT.xml',
  'StudentAssessmentSample.xml',
];

/**
 * Properties accepted, not kept. None: the hand-written resources keep what they do not map (Student
 * `personReference` and `visas`, an LEA's `educationServiceCenterReference`, a course's `learningStandards`).
 */
const UNSUPPORTED: Record<string, string[]> = {};

/**
 * The assessment definitions the sample results refer to are in
 * AssessmentMetadata-*.xml, which is not in the shared data; these stand in
 * for them (identifier and namespace as referenced, category College entrance exam).
 */
function assessmentsFor(results: Converted[]): Converted[] {
  const seen = new Map<string, Converted>();
  for (const r of results) {
    const a = r.body.assessmentReference as { assessmentIdentifier: string; namespace: string };
    const key = `${a.assessmentIdentifier}|${a.namespace}`;
    if (!seen.has(key)) {
      seen.set(key, {
        element: 'Assessment (stand-in)',
        resource: 'assessments',
        body: {
          ...a,
          assessmentTitle: a.assessmentIdentifier,
          assessmentCategoryDescriptor: 'uri://ed-fi.org/AssessmentCategoryDescriptor#College entrance exam',
          academicSubjects: [{ academicSubjectDescriptor: 'uri://ed-fi.org/AcademicSubjectDescriptor#Composite' }],
        },
      });
    }
  }
  return [...seen.values()];
}

let sys: TestSystem;
let tx: EdfiClient;
const sent = new Map<string, Converted[]>();
const skipped: Record<string, number> = {};
const statuses: Record<string, number> = {};

beforeAll(async () => {
  sys = await startSystem({ env: { RATE_LIMIT_MAX: '100000' } });
  tx = await edfiClient(sys, 'TX');
  const all: Converted[] = [];
  for (const f of FILES) {
    const c = convertInterchange(readFileSync(sharedData('edfi', 'Samples', 'xml', f), 'utf8'));
    all.push(...c.documents);
    for (const [k, n] of Object.entries(c.skipped)) skipped[k] = (skipped[k] ?? 0) + n;
  }
  all.push(...assessmentsFor(all.filter((d) => d.resource === 'studentAssessments')));
  for (const d of all) sent.set(d.resource, [...(sent.get(d.resource) ?? []), d]);

  // Load in the order the gateway publishes, as the ODS/API bulk loader does.
  const deps = (await tx.get('/metadata/data/v3/dependencies')).json() as { resource: string; order: number }[];
  const order = [...deps].sort((a, b) => a.order - b.order).map((d) => d.resource.replace('/ed-fi/', ''));
  for (const resource of order) {
    for (const d of sent.get(resource) ?? []) {
      const r = await tx.post(resource, d.body);
      statuses[`${resource} ${r.statusCode}`] = (statuses[`${resource} ${r.statusCode}`] ?? 0) + 1;
      if (r.statusCode !== 201)
        throw new Error(`${resource} ${JSON.stringify(d.body).slice(0, 200)} -> ${r.statusCode} ${r.body}`);
    }
  }
}, 600_000);
afterAll(async () => {
  await sys?.close();
});

const strip = (resource: string, body: Record<string, unknown>) => {
  const out = asSent(body);
  for (const k of UNSUPPORTED[resource] ?? []) delete out[k];
  return out;
};

describe('the Grand Bend sample data through the Ed-Fi API', () => {
  it('loads every served entity of the sample files (201 each)', () => {
    expect(statuses).toEqual({
      'localEducationAgencies 201': 1,
      'schools 201': 3,
      'assessments 201': 4,
      'students 201': 960,
      'programs 201': 25,
      'courses 201': 84,
      'studentMigrantEducationProgramAssociations 201': 275,
      'studentAssessments 201': 41,
    });
    expect(skipped).toMatchObject({ StudentProgramAssociation: 126, EducationServiceCenter: 1, Location: 56 });
  });

  it('reads every document back as it was sent', async () => {
    for (const [resource, docs] of sent) {
      const def = resourceNamed(resource);
      const back = new Map<string, Record<string, unknown>>();
      for (let offset = 0; ; offset += 500) {
        const page = (await tx.get(`${resource}?limit=500&offset=${offset}`)).json() as Record<string, unknown>[];
        for (const b of page) back.set(identityKey(def, b), b);
        if (page.length < 500) break;
      }
      expect(back.size, resource).toBe(docs.length);
      for (const d of docs)
        expect(strip(resource, back.get(identityKey(def, d.body))!), resource).toEqual(strip(resource, d.body));
    }
  });

  it("finds the sample's migrant students by natural key, trailing spaces of the XML trimmed", async () => {
    const r = await tx.get(
      'studentMigrantEducationProgramAssociations?studentUniqueId=605078&programEducationOrganizationId=255901',
    );
    expect(r.json()).toHaveLength(1);
    expect(r.json()[0]).toMatchObject({
      priorityForServices: false,
      lastQualifyingMove: '2021-08-31',
      programReference: { educationOrganizationId: 255901 },
    });
    expect((await tx.get(`${BASE}/students?firstName=becky&lastSurname=TODD`)).json()).toHaveLength(2);
  });

  it('made one canonical TX record per student, with the moves and assessments the samples carry', async () => {
    const q = async (sql: string) => (await sys.db.query<{ n: number }>(sql)).rows[0]!.n;
    expect(await q(`SELECT count(*)::int AS n FROM state_records WHERE state_code = 'TX' AND status = 'active'`)).toBe(
      960,
    );
    expect(
      await q(
        `SELECT count(*)::int AS n FROM state_records
         WHERE record->'qualifyingMoves' @> '[{"qualifyingArrivalDate":"2021-08-31"}]'`,
      ),
    ).toBe(275);
    expect(
      await q(
        `SELECT count(*)::int AS n FROM state_records
         WHERE jsonb_array_length(COALESCE(record->'assessments', '[]')) > 0`,
      ),
    ).toBeGreaterThanOrEqual(14);
    const acts = await sys.db.query<{ record: { assessments: unknown[] } }>(
      `SELECT record FROM state_records WHERE state_student_id = '605123'`,
    );
    expect(acts.rows[0]!.record.assessments).toEqual(
      expect.arrayContaining([
        {
          title: 'ACT-ABW',
          content: 'Composite',
          assessmentType: '05',
          administrationDate: '2021-12',
          scoreResults: '27',
          interpretation: 'Proficient',
        },
      ]),
    );
  });
});
