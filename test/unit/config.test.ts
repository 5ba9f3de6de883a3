import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { configTable, loadConfig, ConfigSchema } from '../../runtime/config.js';

describe('configuration', () => {
  it('has a default for every setting and reads typed values from the environment', () => {
    const c = loadConfig({});
    expect(c.PORT).toBe(3000);
    expect(c.DATABASE_URL).toBe('');
    const d = loadConfig({ PORT: '8080', DEMO_DATA: 'true', GRADUATION_CREDITS: '24.5' });
    expect(d).toMatchObject({ PORT: 8080, DEMO_DATA: true, GRADUATION_CREDITS: 24.5 });
  });

  it('refuses a value of the wrong type with the variable named', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ ROLE: 'both' })).toThrow(/ROLE/);
  });

  it('documents every setting in the README configuration table', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const key of Object.keys(ConfigSchema.properties)) expect(readme, key).toContain(`\`${key}\``);
    expect(configTable().split('\n').length).toBe(Object.keys(ConfigSchema.properties).length + 2);
  });
});
