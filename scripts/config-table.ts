import { configTable } from '../runtime/config.js';

process.stdout.write(`${configTable()}\n`);
