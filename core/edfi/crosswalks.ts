/**
 * The crosswalks the Ed-Fi mapping uses: the Ed-Fi descriptor crosswalks of
 * mappings/ (grade level, sex, country, state, term, continuation of services,
 * enrollment type) and the three this surface adds in specs/edfi/crosswalks
 * (assessment category, course level, performance level). Loaded once.
 */
import { fileURLToPath } from 'node:url';
import { requireCrosswalk, type Crosswalk } from '../../mappings/index.js';

const OWN = fileURLToPath(new URL('../../specs/edfi/crosswalks/', import.meta.url));

export interface EdfiCrosswalks {
  gradeLevel: Crosswalk;
  sex: Crosswalk;
  country: Crosswalk;
  stateAbbreviation: Crosswalk;
  termType: Crosswalk;
  continuationOfServices: Crosswalk;
  enrollmentType: Crosswalk;
  assessmentCategory: Crosswalk;
  courseLevel: Crosswalk;
  performanceLevel: Crosswalk;
}

let loaded: EdfiCrosswalks | null = null;

/** Throws when a crosswalk is missing or broken: the Ed-Fi surface cannot map without them. */
export function edfiCrosswalks(): EdfiCrosswalks {
  loaded ??= {
    gradeLevel: requireCrosswalk('edfi/gradeLevel'),
    sex: requireCrosswalk('edfi/sex'),
    country: requireCrosswalk('edfi/country'),
    stateAbbreviation: requireCrosswalk('edfi/stateAbbreviation'),
    termType: requireCrosswalk('edfi/termType'),
    continuationOfServices: requireCrosswalk('edfi/continuationOfServices'),
    enrollmentType: requireCrosswalk('edfi/enrollmentType'),
    assessmentCategory: requireCrosswalk('edfi/assessmentCategory', undefined, OWN),
    courseLevel: requireCrosswalk('edfi/courseLevel', undefined, OWN),
    performanceLevel: requireCrosswalk('edfi/performanceLevel', undefined, OWN),
  };
  return loaded;
}
