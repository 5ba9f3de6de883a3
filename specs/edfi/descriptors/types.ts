/** One Ed-Fi descriptor value, as the descriptor resources serve it. */
export interface DescriptorValue {
  codeValue: string;
  shortDescription: string;
  description?: string;
}

/**
 * The values of one Ed-Fi descriptor type (e.g. GradeLevelDescriptor), as a
 * checked-in JSON file: the code set an Ed-Fi descriptor URI is validated
 * against, and what `/ed-fi/{name}s` serves.
 */
export interface DescriptorList {
  /** PascalCase type name, e.g. `GradeLevelDescriptor`. */
  name: string;
  /**
   * The namespace part of every URI, e.g. `uri://ed-fi.org/GradeLevelDescriptor` (not always the type name: see
   * ContinuationofServicesReasonDescriptor).
   */
  namespace: string;
  dataStandard: string;
  /** Where the values came from (licence and commit), since they are Ed-Fi data. */
  source: string;
  values: DescriptorValue[];
}
