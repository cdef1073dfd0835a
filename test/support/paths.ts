import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest folder above this file whose package.json is katzenbridge's.
 *  Found by walking up, so it holds whether the tests were compiled to dist/ or elsewhere. */
export const REPO_ROOT: string = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'katzenbridge') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('test/support/paths: cannot find the katzenbridge repository root');
    dir = up;
  }
})();

export function repoPath(...parts: string[]): string {
  return join(REPO_ROOT, ...parts);
}

/** The shared folder beside the repository (specs and vectors), as CI lays it out. */
export function sharedPath(...parts: string[]): string {
  return resolve(REPO_ROOT, '..', 'shared', ...parts);
}

/** A vector file: the path in the environment variable when set, else the shared default. */
export function vectorFile(envVar: string, sharedName: string): string {
  const fromEnv = process.env[envVar];
  return fromEnv && fromEnv.length > 0 ? resolve(fromEnv) : sharedPath('vectors', sharedName);
}
