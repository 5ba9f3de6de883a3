/** Builds every adapter package under `root`/packages whose compiled entry is missing or older than its sources. */
export function rebuildStaleAdapterPackages(root?: string): void;
