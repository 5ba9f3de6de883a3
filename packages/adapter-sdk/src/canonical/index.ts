/**
 * The canonical model adapters map to: the state record schema (TypeBox, so one definition gives the type, the
 * JSON Schema and the validator), the code sets it draws from, branded ids and the issue shapes every report
 * uses. It belongs to the SDK because it is half of the adapter contract: a change here that breaks an adapter's
 * mapping is a major version of the SDK. The gateway's `specs/` re-exports it.
 *
 * @packageDocumentation
 */
export * from './ids.js';
export * from './issues.js';
export * from './codesets.js';
export * from './nearest.js';
export * from './state-record.js';
export * from './student.js';
export * from './common.js';
export { isTextKind, textKindProblem } from './text-kinds.js';
export {
  validateStateRecord,
  validatorFor,
  toFieldIssues,
  createAjv,
  ajv,
  type CanonicalResult,
} from './validation.js';
