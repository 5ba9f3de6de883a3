/**
 * `@msix/adapter-sdk`: what a state or vendor adapter for the MSIX gateway is written against. The contract
 * (manifest, `createAdapter(config, env)` returning `{ parse, format }`, the events a parse yields), the boundary
 * guard every gateway runs an adapter behind, the loader, and the byte, CSV, XML, tar and record helpers adapters
 * share. The canonical model is at `@msix/adapter-sdk/canonical`, the conformance kit at
 * `@msix/adapter-sdk/conformance`.
 *
 * Versioning: semver. A change that can break an adapter (the contract, the canonical model, a helper's
 * behaviour) is a major; an adapter's manifest records the major it is built for (`"sdk": 1`).
 *
 * @packageDocumentation
 */
export * from './types.js';
export {
  chunks,
  collect,
  decode,
  fromBytes,
  inputFromPath,
  isParts,
  lines,
  stripBom,
  type Decoded,
  type RawLine,
} from './bytes.js';
export { csvRow, csvRows, splitCsv, type RawRow } from './csv.js';
export { MAX_XML_ELEMENT_BYTES, splitXml, type SplitXmlOptions, type XmlSplitEvent } from './xml-split.js';
export { isTarHeader, readTar, writeTar, type TarEntry, type TarEvent } from './tar.js';
export {
  compact,
  finishRecord,
  isRealIsoDate,
  isoToUsDate,
  isoToYmd,
  parseFlag,
  SourceTracker,
  usDateToIso,
  ymdToIso,
  type SourceSpan,
} from './record.js';
export { guardedFormat, guardedParse, type FormatResult } from './guard.js';
export { checkConfig, checkManifest, manifestSchema } from './manifest.js';
export {
  loadAdapter,
  sdkMismatch,
  type DisabledAdapter,
  type DisabledStage,
  type LoadOptions,
  type LoadResult,
} from './loader.js';
export { SDK_MAJOR, SDK_VERSION } from './version.js';
export {
  csvCells,
  csvLine,
  csvRecord,
  csvText,
  type CsvCell,
  type CsvRecord,
  type CsvWriteOptions,
} from './csv-text.js';
export type { FieldIssue, StateRecord } from './canonical/index.js';
