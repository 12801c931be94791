import { execSync } from 'node:child_process';

/** Builds the page once so that tests run the same bundle the CLI serves (METARNN_SKIP_BUILD=1 reuses dist/). */
export default function globalSetup(): void {
  if (process.env.METARNN_SKIP_BUILD) return;
  execSync('npx vite build --logLevel warn', { stdio: 'inherit' });
}
