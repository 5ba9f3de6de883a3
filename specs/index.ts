export * from './ids.js';
export * from './issues.js';
export * from './codesets.js';
export * from './canonical/state-record.js';
export * from './canonical/student.js';
export {
  validateStateRecord,
  validatorFor,
  toFieldIssues,
  createAjv,
  ajv,
  type CanonicalResult,
} from './validation.js';
