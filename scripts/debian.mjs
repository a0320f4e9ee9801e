// Finding programs, and installing Debian's packages for them: as root where apt exists, never
// elsewhere. Shared by find-chrome.mjs and postgres-cluster.mjs.
import { accessSync, constants } from 'node:fs';
import { execFileSync } from 'node:child_process';

export const isExecutable = path => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

export const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** Installs Debian's package `name` (saying so on stderr, as `what` was not found); false when this cannot be done here. */
export function aptInstall(name, what) {
  if (!isRoot() || !isExecutable('/usr/bin/apt-get')) return false;
  process.stderr.write(`${what} not found: installing Debian's ${name} (apt-get install -y ${name})...\n`);
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', name], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return true;
}
