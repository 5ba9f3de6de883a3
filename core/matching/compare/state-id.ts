/** State student id: decisive within one state, meaningless across states (each state numbers its own children). */
import type { StandardizedPerson } from '../types.js';
import { NO_EVIDENCE, type FieldComparison } from './field-comparison.js';

export const STATE_ID_LEVELS = ['same-state-same-id', 'same-state-different-id'] as const;

export const stateIdComparison: FieldComparison<StandardizedPerson> = {
  field: 'state_student_id',
  levels: STATE_ID_LEVELS,
  compare: (a, b) => {
    if (a.state === null || a.state !== b.state || a.stateStudentId === null || b.stateStudentId === null)
      return NO_EVIDENCE;
    return a.stateStudentId === b.stateStudentId ? 0 : 1;
  },
};
