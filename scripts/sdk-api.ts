// Writes docs/adapter-sdk-api.md, the adapter SDK's API reference generated from its TSDoc (see sdk-api-doc.ts).
import { writeFileSync } from 'node:fs';
import { parseCommandLine } from '../lib/cli.js';
import { renderSdkApi } from './sdk-api-doc.js';

parseCommandLine({ usage: 'usage: npm run sdk:api   (writes docs/adapter-sdk-api.md)', options: {} });
writeFileSync(new URL('../docs/adapter-sdk-api.md', import.meta.url), renderSdkApi());
