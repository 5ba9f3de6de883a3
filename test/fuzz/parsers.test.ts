/**
 * Hostile input to the pure parsers (issue 18 item 2): the safe XML parser, the SIF body reader (XML and JSON) and
 * its mapping to the canonical record, the SDK's byte, CSV, XML and tar splitters, the Ed-Fi query-string parsers,
 * the token request reader and the SIF path segment reader. A pure parser never throws: it answers with its
 * discriminated union (a refusal with a reason), in bounded time and heap.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { csvRows, fromBytes, lines, readTar, splitXml, writeTar } from '@msix/adapter-sdk';
import { DEFAULT_ADAPTERS_DIR } from '../../adapters/registry.js';
import { parseCollectionQuery, parsePagingQuery, parsePartitionsQuery } from '../../core/edfi/query.js';
import { parseXmlSafely } from '../../core/security/safe-xml.js';
import { readTokenRequest } from '../../core/security/token-request.js';
import { parseSifBody } from '../../core/sif/parse.js';
import { parseSegment } from '../../gateway/sif/http.js';
import { sifToCanonical } from '../../mappings/sif/map.js';
import { writeObjectXml } from '../../mappings/sif/tree.js';
import { findResource } from '../../specs/edfi/catalog.js';
import type { SifObjectName } from '../../specs/sif/objects.js';
import { announce, assertBounded, fuzzParams, fuzzTimeout, measure, withRetainedHeapBound } from './support/fuzz.js';
import {
  applyBytes,
  byteMutation,
  hostileJson,
  hostileText,
  mutatedJson,
  mutatedLines,
  mutatedXml,
} from './support/mutate.js';

announce('parsers');

const SAMPLE = 30;
const NS = 'http://www.sifassociation.org/datamodel/na/4.x';
const PERSONAL =
  `<StudentPersonal xmlns="${NS}" RefId="${'A'.repeat(32)}"><LocalId>TX-1</LocalId>` +
  '<StateProvinceId>TX-1</StateProvinceId><Name Type="04"><LastName>Garcia</LastName>' +
  '<FirstName>Maria</FirstName></Name><Demographics><Gender>F</Gender><BirthDate>2010-04-02</BirthDate>' +
  '</Demographics><Migrant>Y</Migrant></StudentPersonal>';
const ENROLLMENT =
  `<StudentSchoolEnrollment xmlns="${NS}" RefId="${'B'.repeat(32)}" StudentPersonalRefId="${'A'.repeat(32)}" ` +
  'SchoolInfoRefId="D3E34B359D75101A8C3D00AA001A1651" MembershipType="Home" TimeFrame="Current" ' +
  'SchoolYear="2026"><EntryDate>2026-01-12</EntryDate><GradeLevel><Code>09</Code></GradeLevel>' +
  '</StudentSchoolEnrollment>';
const EDFI_STUDENT = readFileSync(
  join(DEFAULT_ADAPTERS_DIR, 'edfi-xml', 'fixtures', 'valid', 'grand-bend-migrant', 'Student.xml'),
  'utf8',
);
const CSV = readFileSync(join(DEFAULT_ADAPTERS_DIR, 'mis2000-csv', 'fixtures', 'valid', 'nc-nightly.csv'));

/** Runs a pure parse in bounded time and heap; a throw fails the property with what was thrown. */
async function pure<T>(what: string, fn: () => T | Promise<T>): Promise<T> {
  const { value, cost } = await measure(fn);
  assertBounded(cost, what);
  return value;
}

async function drain(it: AsyncIterable<unknown>): Promise<number> {
  let n = 0;
  for await (const _ of it) n++;
  return n;
}

const xmlInput = fc.oneof(
  { weight: 3, arbitrary: mutatedXml(PERSONAL) },
  { weight: 2, arbitrary: mutatedXml(ENROLLMENT) },
  { weight: 2, arbitrary: mutatedXml(EDFI_STUDENT) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).map((s) => Buffer.from(s)) },
);

describe('hostile input to pure parsers: a union result, never a throw, in bounded time and heap', () => {
  it(
    'the safe XML parser',
    async () => {
      await withRetainedHeapBound('parseXmlSafely', () =>
        fc.assert(
          fc.asyncProperty(xmlInput, fc.boolean(), async (b, asText) => {
            const r = await pure('parseXmlSafely', () => parseXmlSafely(asText ? b.toString('utf8') : b));
            if (r.kind !== 'ok' && r.kind !== 'refused') throw new Error(`unexpected result ${JSON.stringify(r)}`);
          }),
          fuzzParams(SAMPLE),
        ),
      );
    },
    fuzzTimeout(SAMPLE, 10),
  );

  it(
    'SIF bodies (XML and JSON, one and many) and their mapping to the canonical record and back to XML',
    async () => {
      const json = fc.oneof(
        mutatedJson({ StudentPersonal: { '@RefId': 'D'.repeat(32), LocalId: 'TX-2', Name: { LastName: 'G' } } }),
        mutatedJson({ StudentPersonals: { StudentPersonal: [{ '@RefId': 'E'.repeat(32), LocalId: 'x' }] } }),
        hostileJson.map((v) => JSON.stringify(v) ?? 'null'),
      );
      await withRetainedHeapBound('parseSifBody', () =>
        fc.assert(
          fc.asyncProperty(
            fc.oneof(
              xmlInput.map((b) => ['xml', b] as const),
              json.map((t) => ['json', Buffer.from(t)] as const),
            ),
            fc.constantFrom<SifObjectName>('StudentPersonal', 'StudentSchoolEnrollment', 'StudentMigrant'),
            fc.boolean(),
            async ([media, body], object, many) => {
              const r = await pure('parseSifBody', () => parseSifBody(body, media, object, many));
              if (r.kind === 'refused') return;
              for (const item of r.items) {
                await pure('sifToCanonical', () => sifToCanonical(object, item.tree));
                await pure('writeObjectXml', () => writeObjectXml(object, item.tree));
              }
            },
          ),
          fuzzParams(SAMPLE),
        ),
      );
    },
    fuzzTimeout(SAMPLE, 10),
  );

  it(
    "the SDK's splitters: lines, CSV rows, XML elements and tar entries, in any chunking",
    async () => {
      const chunks: Buffer[] = [];
      for await (const c of writeTar([{ name: 'Student.xml', data: Buffer.from(EDFI_STUDENT) }])) chunks.push(c);
      const tar = Buffer.concat(chunks);
      await withRetainedHeapBound('splitters', () =>
        fc.assert(
          fc.asyncProperty(
            fc.oneof(
              mutatedLines(CSV, ',').map((b) => ['csv', b] as const),
              mutatedXml(EDFI_STUDENT).map((b) => ['xml', b] as const),
              fc
                .array(byteMutation, { minLength: 1, maxLength: 3 })
                .map((ms) => ['tar', ms.reduce(applyBytes, tar)] as const),
            ),
            fc.integer({ min: 1, max: 8192 }),
            async ([kind, b], chunk) => {
              const src = () => fromBytes(b, chunk);
              if (kind === 'csv') {
                await pure('lines', () => drain(lines(src())));
                await pure('csvRows', () => drain(csvRows(src())));
              } else if (kind === 'xml') await pure('splitXml', () => drain(splitXml(src(), 'Student.xml')));
              else
                await pure('readTar', async () => {
                  for await (const ev of readTar(src())) if (ev.kind === 'entry') await drain(ev.entry.content);
                });
            },
          ),
          fuzzParams(SAMPLE),
        ),
      );
    },
    fuzzTimeout(SAMPLE, 10),
  );

  it(
    'Ed-Fi query strings, the token request and SIF path segments',
    async () => {
      const students = findResource('students')!;
      const ssa = findResource('studentSchoolAssociations')!;
      const key = fc.oneof(
        fc.constantFrom(
          'offset',
          'limit',
          'totalCount',
          'pageToken',
          'pageSize',
          'minChangeVersion',
          'maxChangeVersion',
          'number',
          'studentUniqueId',
          'birthDate',
          'id',
          'schoolId',
          'entryDate',
          '__proto__',
          'constructor',
        ),
        hostileText,
      );
      const value = fc.oneof(hostileText, fc.array(hostileText, { maxLength: 3 }), hostileJson);
      const query = fc.dictionary(key, value, { maxKeys: 6 });
      await fc.assert(
        fc.asyncProperty(
          query,
          fc.constantFrom(students, ssa),
          fc.oneof(fc.constantFrom('Basic ', 'Bearer ', 'Basic Og==', 'Basic OmE='), hostileText),
          hostileText,
          async (q, def, authorization, segment) => {
            await pure('parseCollectionQuery', () => parseCollectionQuery(def, q));
            await pure('parsePagingQuery', () => parsePagingQuery(q, ['x'], { cursor: true }));
            await pure('parsePartitionsQuery', () => parsePartitionsQuery(def, q));
            await pure('readTokenRequest', () => readTokenRequest(authorization, q));
            await pure('parseSegment', () => parseSegment(segment));
          },
        ),
        fuzzParams(SAMPLE),
      );
    },
    fuzzTimeout(SAMPLE, 5),
  );
});
