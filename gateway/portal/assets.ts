import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Type } from 'typebox';

const require = createRequire(import.meta.url);
/** The installed USWDS's dist folder (its package exports hide package.json; its main script lives in dist/js). */
const USWDS_DIST = dirname(dirname(require.resolve('@uswds/uswds')));
const USWDS_VERSION = (
  JSON.parse(readFileSync(join(dirname(USWDS_DIST), 'package.json'), 'utf8')) as { version: string }
).version;
const HTMX_FILE = join(dirname(require.resolve('htmx.org')), 'htmx.min.js');
const OWN = join(dirname(fileURLToPath(import.meta.url)), 'static');

/**
 * Asset URLs carry the version of what they serve, so browsers may keep them
 * for a year: a new USWDS or portal release changes the URL.
 */
export const ASSETS = {
  css: `/assets/uswds-${USWDS_VERSION}/css/uswds.min.css`,
  js: `/assets/uswds-${USWDS_VERSION}/js/uswds.min.js`,
  favicon: `/assets/uswds-${USWDS_VERSION}/img/favicons/favicon.ico`,
  htmx: '/assets/portal/htmx.min.js',
  portalCss: '/assets/portal/portal.css',
  portalJs: '/assets/portal/portal.js',
} as const;

const TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
};
const COMPRESSIBLE = new Set(['.css', '.js', '.svg']);

interface Asset {
  type: string;
  body: Buffer;
  gzip: Buffer | null;
  etag: string;
}

/** Only these folders of USWDS's dist are served: its stylesheet, script, fonts and images. */
const USWDS_DIRS = new Set(['css', 'js', 'fonts', 'img']);

/**
 * Resolves an asset path to a file, or null. Paths are normalized and must
 * stay inside their root, so `..` cannot reach anything else on disk.
 */
function fileOf(path: string): string | null {
  const portal = /^portal\/([\w.-]+)$/.exec(path);
  if (portal) return portal[1] === 'htmx.min.js' ? HTMX_FILE : join(OWN, portal[1]!);
  const m = /^uswds-([\w.-]+)\/(.+)$/.exec(path);
  if (!m || m[1] !== USWDS_VERSION) return null;
  const rel = normalize(m[2]!);
  const top = rel.split(sep)[0]!;
  if (rel.startsWith('..') || !USWDS_DIRS.has(top)) return null;
  return join(USWDS_DIST, rel);
}

/**
 * Serves the portal's look and behaviour from the installed packages (USWDS,
 * htmx) and gateway/portal/static, so `npm start` needs no build step. Each
 * file is read and gzipped once, then answered from memory.
 */
export const assetRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const cache = new Map<string, Asset | null>();
  const load = (path: string): Asset | null => {
    if (cache.has(path)) return cache.get(path)!;
    const file = fileOf(path);
    const type = file ? TYPES[extname(file)] : undefined;
    let asset: Asset | null = null;
    if (file && type) {
      try {
        const body = readFileSync(file);
        const gzip = COMPRESSIBLE.has(extname(file)) ? gzipSync(body, { level: 9 }) : null;
        asset = { type, body, gzip, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"` };
      } catch {
        asset = null;
      }
    }
    if (cache.size < 500) cache.set(path, asset);
    return asset;
  };

  app.get(
    '/assets/*',
    {
      config: { access: { public: true } },
      schema: { hide: true, params: Type.Object({ '*': Type.String({ maxLength: 200 }) }) },
    },
    async (request, reply) => {
      const asset = load(request.params['*']);
      if (!asset) return reply.callNotFound();
      const versioned = request.params['*'].startsWith('uswds-');
      reply
        .type(asset.type)
        .header('etag', asset.etag)
        .header('vary', 'accept-encoding')
        .header('cache-control', versioned ? 'public, max-age=31536000, immutable' : 'public, max-age=3600');
      if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
      if (asset.gzip && /\bgzip\b/.test(request.headers['accept-encoding'] ?? '')) {
        return reply.header('content-encoding', 'gzip').send(asset.gzip);
      }
      return reply.send(asset.body);
    },
  );

  // Browsers ask for /favicon.ico on their own (the sign-in page, a JSON answer, the API docs): USWDS's icon.
  app.get('/favicon.ico', { config: { access: { public: true } }, schema: { hide: true } }, async (_request, reply) => {
    const asset = load(ASSETS.favicon.slice('/assets/'.length));
    if (!asset) return reply.callNotFound();
    return reply
      .type(asset.type)
      .header('etag', asset.etag)
      .header('cache-control', 'public, max-age=86400')
      .send(asset.body);
  });
};
