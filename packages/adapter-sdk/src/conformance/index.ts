export {
  runConformance,
  renderReport,
  type CheckResult,
  type ConformanceOptions,
  type ConformanceReport,
} from './suite.js';
export { generateRecords, type GenerateOptions } from './generate.js';
export { readFixtures, type Fixture, type FixtureExpectation, type RecordExpectation } from './fixtures.js';
export { SeededRandom, seededRandom } from './seeded-random.js';
export {
  canonicalFields,
  certify,
  renderCertificationHtml,
  type CertificationReport,
  type CertifyOptions,
  type FieldCoverage,
  type SampleResult,
} from './certify.js';
