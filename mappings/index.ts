export * from './types.js';
export { checkCrosswalk, compileCrosswalk, mapField, nearestEntries, reverseField, showEntry } from './engine.js';
export {
  CROSSWALKS_DIR,
  crosswalkRegistry,
  loadCrosswalks,
  loadCrosswalksSync,
  requireCrosswalk,
  type CrosswalkRegistry,
} from './loader.js';
export { crosswalkMarkdown, crosswalkRows, type CrosswalkRow } from './table.js';
