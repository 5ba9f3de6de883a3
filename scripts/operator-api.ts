/**
 * Calls to a running gateway's admin API as the local operator: the token the gateway wrote to the embedded data
 * directory's lock file (runtime/database.ts embeddedHolder) proves the caller can read that directory.
 */
export function operatorCall(admin: { url: string; token: string }) {
  return async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${admin.url}${path}`, {
      method,
      headers: {
        authorization: `MsixOperator ${admin.token}`,
        'x-msix-operator': (process.env.USER ?? 'unknown').replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    return { status: res.status, json };
  };
}
