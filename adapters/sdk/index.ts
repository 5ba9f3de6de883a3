/** The adapter SDK: the contract, the boundary guard, discovery, and helpers adapters share. */
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
export { splitXml, type XmlSplitEvent } from './xml-split.js';
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
  DEFAULT_ADAPTERS_DIR,
  loadAdapter,
  loadAdapters,
  type AdapterRegistry,
  type DisabledAdapter,
  type DisabledStage,
  type RegistryConfig,
} from './registry.js';
