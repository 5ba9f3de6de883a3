/** Re-export: the seeded generator lives in the adapter SDK package (its conformance kit draws from it). */
export { SeededRandom, seededRandom } from '@msix/adapter-sdk/random';
