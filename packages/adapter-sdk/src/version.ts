/**
 * The SDK's own version, read from its package.json so there is one home for it. Adapters record the major they
 * were built for in their manifest (`"sdk": 1`); a gateway accepts a list of majors and refuses the others.
 */
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

/** Semver of this SDK, for example `1.0.0`. */
export const SDK_VERSION: string = pkg.version;

/** The major of {@link SDK_VERSION}: the number an adapter built against this SDK writes as its manifest's `sdk`. */
export const SDK_MAJOR: number = Number(SDK_VERSION.split('.')[0]);
