/** Re-export: the canonical model lives in the adapter SDK package (packages/adapter-sdk/src/canonical). */
export * from '@msix/adapter-sdk/canonical';
