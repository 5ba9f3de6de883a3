import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { DevProvider, type AuthorizeParams } from './provider.js';

/** Escapes text for HTML (the picker echoes request parameters into hidden fields). */
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const FIELDS = [
  'response_type',
  'client_id',
  'redirect_uri',
  'scope',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
] as const;

function pick(src: unknown): AuthorizeParams {
  const o = (src && typeof src === 'object' ? src : {}) as Record<string, unknown>;
  const out: AuthorizeParams = {};
  for (const f of FIELDS) if (typeof o[f] === 'string') out[f] = o[f] as string;
  return out;
}

/**
 * The development OIDC provider's HTTP endpoints, mounted at /dev-idp in the
 * gateway that `npm start` runs (DEV_IDP=true). All public: it is the sign-in
 * page. Its only "password" is choosing a demo user.
 */
export const devIdpRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const cfg = app.ctx.config;
  const idp = await DevProvider.create({
    clientId: cfg.OIDC_CLIENT_ID,
    clientSecret: cfg.OIDC_CLIENT_SECRET,
    accessTokenAudience: cfg.OIDC_AUDIENCE || cfg.OIDC_CLIENT_ID,
  });
  const issuer = (r: FastifyRequest) => `${app.security.publicBase() || `${r.protocol}://${r.host}`}/dev-idp`;
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 8192 },
    (_req, body, done) => {
      const out: Record<string, string> = {};
      for (const [k, v] of new URLSearchParams(body as string)) if (!(k in out) && /^[a-z_]{1,40}$/.test(k)) out[k] = v;
      done(null, out);
    },
  );
  const open = { access: { public: true as const } };
  const hide = { hide: true };

  app.get('/.well-known/openid-configuration', { config: open, schema: hide }, async (r) => idp.discovery(issuer(r)));
  app.get('/jwks', { config: open, schema: hide }, async () => idp.jwks());

  app.get('/authorize', { config: open, schema: hide }, async (request, reply) => {
    const p = pick(request.query);
    const check = idp.checkAuthorize(issuer(request), p);
    if (check.kind === 'invalid') return reply.code(400).send({ error: check.error, error_description: check.detail });
    const hidden = FIELDS.filter((f) => p[f] !== undefined)
      .map((f) => `<input type="hidden" name="${f}" value="${esc(p[f]!)}">`)
      .join('');
    const users = idp
      .users()
      .map(
        (u) =>
          `<li><button name="user" value="${esc(u.username)}">${esc(u.name)}</button> ` +
          `<small>${esc(u.title)} &middot; roles: ` +
          `${esc(u.roles.join(', '))}${u.state ? ` &middot; state ${esc(u.state)}` : ''}</small></li>`,
      )
      .join('');
    return reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Development sign-in</title></head>
<body><h1>Development identity provider</h1>
<p>Pick a demo user. This provider is for development only: there are no passwords.</p>
<form method="post" action="authorize">${hidden}<ul>${users}</ul></form></body></html>`);
  });

  app.post('/authorize', { config: open, schema: hide }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, string>;
    const check = idp.checkAuthorize(issuer(request), pick(body));
    if (check.kind === 'invalid') return reply.code(400).send({ error: check.error, error_description: check.detail });
    const code = idp.issueCode(check, body.user ?? '');
    if (!code) return reply.code(400).send({ error: 'access_denied', error_description: 'unknown user' });
    const to = new URL(check.params.redirect_uri);
    to.searchParams.set('code', code);
    if (check.params.state) to.searchParams.set('state', check.params.state);
    to.searchParams.set('iss', issuer(request));
    return reply.redirect(to.href, 302);
  });

  app.post('/token', { config: open, schema: hide }, async (request, reply) => {
    const f = { ...((request.body ?? {}) as Record<string, string>) };
    const basic = /^Basic +([A-Za-z0-9+/=]+)$/i.exec(request.headers.authorization ?? '');
    if (basic) {
      const text = Buffer.from(basic[1]!, 'base64').toString('utf8');
      const i = text.indexOf(':');
      f.client_id = decodeURIComponent(text.slice(0, i));
      f.client_secret = decodeURIComponent(text.slice(i + 1));
    }
    const res = await idp.exchange(issuer(request), f);
    reply.header('cache-control', 'no-store');
    if (res.kind === 'invalid') return reply.code(res.status).send({ error: res.error, error_description: res.detail });
    return res.body;
  });

  app.get('/userinfo', { config: open, schema: hide }, async (request, reply) => {
    const m = /^Bearer +(\S+)$/i.exec(request.headers.authorization ?? '');
    const info = m ? await idp.userinfo(issuer(request), m[1]!) : null;
    if (!info)
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer error="invalid_token"')
        .send({ error: 'invalid_token' });
    return info;
  });

  app.get(
    '/logout',
    {
      config: open,
      schema: { ...hide, querystring: Type.Object({ post_logout_redirect_uri: Type.Optional(Type.String()) }) },
    },
    async (request, reply) => {
      const to = request.query.post_logout_redirect_uri;
      const ok = typeof to === 'string' && URL.canParse(to) && new URL(to).origin === new URL(issuer(request)).origin;
      return ok ? reply.redirect(to, 302) : reply.send({ signedOut: true });
    },
  );
};
