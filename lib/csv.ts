/** Re-export: the CSV writer and row parser live in the adapter SDK package (packages/adapter-sdk/src/csv-text.ts). */
export { csvCells, csvLine, csvRecord, csvText } from '@msix/adapter-sdk/csv';
