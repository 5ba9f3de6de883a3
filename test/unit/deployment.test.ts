import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = new URL('../../', import.meta.url);
const read = (p: string) => readFileSync(new URL(p, root), 'utf8');

interface Service {
  image?: string;
  restart?: string;
  stop_grace_period?: string;
  build?: unknown;
  environment?: Record<string, string>;
  healthcheck?: { test: unknown };
  depends_on?: Record<string, { condition: string }>;
  command?: unknown;
  ports?: string[];
}

/** No Docker engine runs here, so the compose file's structure is what we can check. */
describe('docker-compose.yml', () => {
  const compose = parse(read('docker-compose.yml')) as { services: Record<string, Service> };
  const s = compose.services;

  it('runs Postgres, Redis, a gateway and a worker, each with a health check', () => {
    for (const name of ['postgres', 'redis', 'gateway', 'worker']) {
      expect(s[name], name).toBeDefined();
      expect(s[name]!.healthcheck?.test ?? (name === 'worker' ? 'image' : undefined), name).toBeDefined();
    }
    expect(s.postgres!.image).toMatch(/^postgres:/);
    expect(s.redis!.image).toMatch(/^redis:/);
  });

  it('restarts every service by itself, and gives gateway and worker a stop grace longer than a job step', () => {
    for (const [name, svc] of Object.entries(s)) expect(svc.restart, name).toBe('unless-stopped');
    const seconds = (v: string | undefined) => Number(/^(\d+)s$/.exec(v ?? '')?.[1] ?? 0);
    expect(seconds(s.gateway!.stop_grace_period)).toBeGreaterThanOrEqual(30);
    // Longer than DELIVERY_TIMEOUT_MS (10 s), the longest step a worker may be in.
    expect(seconds(s.worker!.stop_grace_period)).toBeGreaterThan(10);
  });

  it('builds gateway and worker from one image and selects the role by environment', () => {
    expect(s.gateway!.build).toBe('.');
    expect(s.worker!.build).toBe('.');
    expect(s.gateway!.environment?.ROLE).toBe('gateway');
    expect(s.worker!.environment?.ROLE).toBe('worker');
    for (const svc of [s.gateway!, s.worker!]) {
      expect(svc.environment?.DATABASE_URL).toMatch(/^postgres:\/\/[^@]+@postgres:5432\//);
      expect(svc.environment?.REDIS_URL).toBe('redis://redis:6379');
      expect(svc.depends_on?.postgres?.condition).toBe('service_healthy');
      expect(svc.depends_on?.redis?.condition).toBe('service_healthy');
    }
  });

  it('runs Keycloak with the realm export and points the gateway at it', () => {
    const kc = s.keycloak!;
    expect(kc.image).toMatch(/keycloak/);
    expect(kc.healthcheck?.test).toBeDefined();
    expect(JSON.stringify(kc)).toContain('./deploy/keycloak/realm-export.json');
    expect(read('deploy/keycloak/realm-export.json')).toContain('"realm"');
    expect(s.gateway!.environment?.OIDC_ISSUER).toMatch(/^http:\/\/keycloak\.localhost:8080\/realms\//);
    expect(s.gateway!.depends_on?.keycloak?.condition).toBe('service_healthy');
  });

  it('has a Dockerfile whose health check and command run the compiled start script', () => {
    const dockerfile = read('Dockerfile');
    expect(dockerfile).toMatch(/^FROM node:20/m);
    expect(dockerfile).toContain('HEALTHCHECK');
    expect(dockerfile).toContain('/health/live');
    expect(dockerfile).toContain('dist/scripts/start.js');
    expect(read('.dockerignore')).toContain('node_modules');
  });

  it("copies every workspace package's package.json before each npm ci in the Dockerfile", () => {
    const dockerfile = read('Dockerfile');
    const stages = dockerfile.split(/^FROM /m).slice(1);
    const packages = readdirSync(new URL('../../packages/', import.meta.url)).filter((d) => !d.startsWith('.'));
    expect(packages.length).toBeGreaterThan(0);
    for (const stage of stages) {
      const beforeCi = stage.slice(0, stage.indexOf('RUN npm ci'));
      for (const p of packages) expect(beforeCi).toContain(`COPY packages/${p}/package.json packages/${p}/`);
    }
    // A package that builds itself on install (prepare) needs its build inputs there too; the run stage, whose
    // packages arrive compiled in dist/, installs without scripts.
    const [build, runStage] = stages as [string, string];
    for (const p of packages) {
      const pkg = JSON.parse(read(`packages/${p}/package.json`)) as { scripts?: Record<string, string> };
      if (!pkg.scripts?.prepare) continue;
      const beforeCi = build.slice(0, build.indexOf('RUN npm ci'));
      expect(beforeCi).toContain(`COPY packages/${p}/tsconfig.json packages/${p}/`);
      expect(beforeCi).toContain(`COPY packages/${p}/src packages/${p}/src`);
    }
    expect(runStage).toMatch(/RUN npm ci --omit=dev --ignore-scripts/);
  });
});
