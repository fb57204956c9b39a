/**
 * A browser-like HTTP client for the checkout and dashboard tests: keeps cookies (honouring Path and
 * Max-Age=0), never follows redirects, sends the Origin header a browser would send on POSTs.
 */
export interface WebResponse {
  status: number;
  headers: Headers;
  location: string | null;
  setCookies: string[];
  text: string;
  json<T = { status: string; code: string; data?: unknown; errorMessage?: string }>(): T;
}

interface StoredCookie {
  name: string;
  value: string;
  path: string;
}

export class WebClient {
  readonly cookies: StoredCookie[] = [];

  constructor(readonly baseUrl: string) {}

  get origin(): string {
    return new URL(this.baseUrl).origin;
  }

  cookieHeader(path: string): string {
    return this.cookies
      .filter((c) => path === c.path || path.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`) || c.path === '/')
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  cookie(name: string): StoredCookie | undefined {
    return this.cookies.find((c) => c.name === name);
  }

  private store(setCookies: string[]): void {
    for (const line of setCookies) {
      const [pair = '', ...attrs] = line.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const path = attrs.find((a) => a.toLowerCase().startsWith('path='))?.slice(5) ?? '/';
      const maxAge = attrs.find((a) => a.toLowerCase().startsWith('max-age='));
      const i = this.cookies.findIndex((c) => c.name === name && c.path === path);
      if (i >= 0) this.cookies.splice(i, 1);
      if (maxAge === undefined || Number(maxAge.slice(8)) > 0) this.cookies.push({ name, value, path });
    }
  }

  async request(method: string, path: string, init: { body?: string; contentType?: string; origin?: string | null; headers?: Record<string, string> } = {}): Promise<WebResponse> {
    const headers: Record<string, string> = { ...(init.headers ?? {}) };
    const cookie = this.cookieHeader(path.split('?')[0] ?? path);
    if (cookie) headers.cookie = cookie;
    if (init.body !== undefined) headers['content-type'] = init.contentType ?? 'application/json';
    const origin = init.origin === undefined ? (method === 'GET' ? null : this.origin) : init.origin;
    if (origin !== null) headers.origin = origin;
    const res = await fetch(this.baseUrl + path, { method, headers, redirect: 'manual', ...(init.body === undefined ? {} : { body: init.body }) });
    const setCookies = res.headers.getSetCookie();
    this.store(setCookies);
    const text = await res.text();
    return {
      status: res.status,
      headers: res.headers,
      location: res.headers.get('location'),
      setCookies,
      text,
      json: <T>() => JSON.parse(text) as T,
    };
  }

  get(path: string, init: { origin?: string | null; headers?: Record<string, string> } = {}): Promise<WebResponse> {
    return this.request('GET', path, init);
  }

  postJson(path: string, body: unknown = {}, init: { origin?: string | null; contentType?: string; headers?: Record<string, string> } = {}): Promise<WebResponse> {
    return this.request('POST', path, { ...init, body: JSON.stringify(body) });
  }

  postForm(path: string, fields: Record<string, string>, init: { origin?: string | null; headers?: Record<string, string> } = {}): Promise<WebResponse> {
    return this.request('POST', path, { ...init, body: new URLSearchParams(fields).toString(), contentType: 'application/x-www-form-urlencoded' });
  }
}

/** The value of a hidden `_csrf` field on a dashboard page. */
export function csrfOf(html: string): string {
  const m = /name="_csrf" value="([0-9a-f]+)"/.exec(html);
  if (!m?.[1]) throw new Error('no CSRF token on this page');
  return m[1];
}
