import type { ModuleSqlFile } from './migrate.js';

/**
 * Every module-owned SQL function file, in the order the migrator runs them after the migrations. Each is
 * declared by the module that owns it (its set-based write path), next to the file.
 */
export const FUNCTION_FILES: readonly ModuleSqlFile[] = [];
