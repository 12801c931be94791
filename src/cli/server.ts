/**
 * A static file server for the built page (dist/app) on localhost — a secure context, so navigator.gpu
 * exists — with the cross-origin-isolation headers TF.js wasm threads need.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { basename, extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CSP_BY_PAGE } from '../protocol/csp';

/** The built page; METARNN_APP_DIR points elsewhere (e.g. a private build while developing). */
export const APP_DIR =
  process.env.METARNN_APP_DIR ?? resolve(fileURLToPath(import.meta.url), '../../../dist/app');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

export async function serveStatic(
  root = APP_DIR,
  extraRoutes: Record<string, string> = {},
): Promise<StaticServer> {
  if (!existsSync(join(root, 'harness.html'))) {
    throw new Error(`the page is not built (${root}/harness.html missing): run \`npm run build\``);
  }
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    let path = decodeURIComponent(url.pathname);
    let file: string | undefined;
    for (const [prefix, dir] of Object.entries(extraRoutes)) {
      if (path.startsWith(prefix)) file = join(dir, normalize(path.slice(prefix.length)));
    }
    if (path.endsWith('/')) path += 'index.html';
    file ??= join(root, normalize(path));
    if (!file.startsWith(root) && !Object.values(extraRoutes).some((d) => file!.startsWith(d))) {
      res.writeHead(403).end();
      return;
    }
    if (!existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    // The built pages carry their policy as <meta> too; the header adds frame-ancestors, which <meta> cannot.
    const policy = file.startsWith(root) ? CSP_BY_PAGE[basename(file)] : undefined;
    res.writeHead(200, {
      ...(policy ? { 'Content-Security-Policy': `${policy}; frame-ancestors 'self'` } : {}),
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cross-Origin-Resource-Policy': 'same-origin',
      'Cache-Control': 'no-store',
    });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://localhost:${port}`,
    close: () => new Promise((ok) => server.close(() => ok())),
  };
}
