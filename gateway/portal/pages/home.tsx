import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Page, roleName, sendPage } from '../html.js';
import { PAGES, menuFor } from '../menu.js';
import { viewerOf } from '../plugin.js';

/** The home page: who is signed in, for which state, and what their roles let them do. */
export const homeRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    PAGES.home.href,
    { config: { access: { roles: PAGES.home.roles } }, schema: { hide: true } },
    async (request, reply) => {
      const v = viewerOf(request);
      const menu = menuFor(v.roles);
      return sendPage(
        reply,
        <Page title="Home" viewer={v} path={PAGES.home.href}>
          <h1>Welcome, {v.name ?? v.subject}</h1>
          <p class="usa-intro">
            {v.roles.map(roleName).join(', ')} · {v.state ? `State: ${v.state}` : 'National (every state)'}
          </p>
          <h2>What you can do</h2>
          {menu.length > 0 ? (
            <ul class="portal-cards">
              {menu.map((m) => (
                <li>
                  <h3 class="margin-top-0">
                    <a href={m.href}>{m.label}</a>
                  </h3>
                  <p class="margin-bottom-0">{m.summary}</p>
                </li>
              ))}
            </ul>
          ) : (
            <p>Your role works through the API: see the API documentation.</p>
          )}
          <p>
            <a href="/docs">API documentation (Swagger UI)</a>
          </p>
        </Page>,
      );
    },
  );
};
