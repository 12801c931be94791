import { execSync } from 'node:child_process';

/** Builds the page once so that tests run the same bundle the CLI serves. */
export default function globalSetup(): void {
  execSync('npx vite build --logLevel warn', { stdio: 'inherit' });
}
