// A throwaway PostgreSQL cluster for the tests and benchmarks, found the way find-chrome.mjs finds
// Chromium: Debian's server binaries (/usr/lib/postgresql/<version>/bin) or pg_ctl on the PATH. As root
// where apt exists it installs Debian's postgresql package once; otherwise it throws with one line that
// says what to install. The cluster lives in a temporary folder (owned by the `postgres` user when run
// as root: the server refuses to run as root), listens on 127.0.0.1 only on a free port with its unix
// socket in that folder, has one password-protected superuser and one database, and is removed
// afterwards, also when the process exits early or is interrupted.
import { chownSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { aptInstall, isExecutable, isRoot } from './debian.mjs';

const run = promisify(execFile);
const DEBIAN_ROOT = '/usr/lib/postgresql';
const DATABASE = 'auth_chatkit';

/** The newest /usr/lib/postgresql/<version>/bin with the server tools, else a PATH folder with pg_ctl and initdb. */
function binDir() {
  let versions = [];
  try {
    versions = readdirSync(DEBIAN_ROOT).filter(name => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a));
  } catch {
    // not Debian's layout
  }
  const folders = [...versions.map(version => join(DEBIAN_ROOT, version, 'bin')), ...(process.env.PATH ?? '').split(delimiter).filter(Boolean)];
  return folders.find(dir => ['pg_ctl', 'initdb', 'postgres'].every(tool => isExecutable(join(dir, tool))));
}

export function findPostgres({ install = false } = {}) {
  const found = binDir() ?? (install && aptInstall('postgresql', 'PostgreSQL') ? binDir() : undefined);
  if (found) return found;
  throw new Error('No PostgreSQL server found: install it (Debian/Ubuntu: apt-get install postgresql; elsewhere put pg_ctl and initdb on the PATH).');
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts a new cluster and creates the database DATABASE in it.
 * `durable: false` (tests) turns fsync and synchronous commits off: nothing here must survive a crash.
 * Returns { url, port, stop(), start(), remove() }: stop and start (pg_ctl, data kept) let a test take
 * the database away and bring it back on the same port; remove() ends it and deletes its folder.
 */
export async function startCluster({ install = false, durable = false } = {}) {
  const bin = findPostgres({ install });
  const dir = mkdtempSync(join(tmpdir(), 'auth-chatkit-pg-'));
  const data = join(dir, 'data');
  const asOwner = isRoot() ? owner() : undefined;
  // as root the binaries run as `postgres`, in a folder it owns; otherwise as whoever runs this
  const command = (tool, args) => (asOwner ? ['runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]] : [join(bin, tool), args]);
  const pgCtl = (...args) => command('pg_ctl', ['-D', data, ...args]);

  let removed = false;
  const remove = () => {
    if (removed) return;
    removed = true;
    process.off('exit', remove);
    for (const signal of ['SIGINT', 'SIGTERM']) process.off(signal, onSignal);
    try {
      const [file, args] = pgCtl('-m', 'immediate', '-w', 'stop');
      execFileSync(file, args, { cwd: dir, stdio: 'ignore' });
    } catch {
      // not running
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // The server runs in a session of its own: an interrupted run must stop it, then die of the signal.
  const onSignal = signal => {
    remove();
    process.kill(process.pid, signal);
  };
  process.once('exit', remove);
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, onSignal);

  try {
    const password = randomBytes(18).toString('base64url');
    const passwordFile = join(dir, 'password');
    writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
    if (asOwner) for (const path of [dir, passwordFile]) chownSync(path, asOwner.uid, asOwner.gid);

    const [initdb, initArgs] = command('initdb', ['-D', data, '-U', 'postgres', '-A', 'scram-sha-256', `--pwfile=${passwordFile}`, '-E', 'UTF8', '--locale=C', '--no-sync']);
    await run(initdb, initArgs, { cwd: dir });

    let lastError;
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await freePort();
      const settings = [
        "listen_addresses = '127.0.0.1'",
        `port = ${port}`,
        `unix_socket_directories = '${dir}'`,
        ...(durable ? [] : ['fsync = off', 'synchronous_commit = off', 'full_page_writes = off']),
      ];
      writeFileSync(join(data, 'postgresql.auto.conf'), `${settings.join('\n')}\n`);
      const [file, args] = pgCtl('-l', join(dir, 'server.log'), '-w', '-t', '30', 'start');
      try {
        await run(file, args, { cwd: dir });
      } catch (error) {
        // another process took the port between our probe and the server's bind: try another one
        lastError = new Error(`PostgreSQL did not start: ${lastLogLine(dir) ?? String(error.message).split('\n')[0]}`);
        continue;
      }
      const admin = `postgres://postgres:${password}@127.0.0.1:${port}`;
      const client = new pg.Client({ connectionString: `${admin}/postgres` });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${DATABASE}`);
      } finally {
        await client.end();
      }
      return {
        url: `${admin}/${DATABASE}`,
        port,
        async stop() {
          const [stopFile, stopArgs] = pgCtl('-m', 'fast', '-w', 'stop');
          await run(stopFile, stopArgs, { cwd: dir });
        },
        async start() {
          await run(file, args, { cwd: dir });
        },
        remove,
      };
    }
    throw lastError;
  } catch (error) {
    remove();
    throw error;
  }
}

function owner() {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find(entry => entry.startsWith('postgres:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) throw new Error('No "postgres" user: the server cannot run as root (install Debian\'s postgresql package, which creates it).');
  return { uid: Number(uid), gid: Number(gid) };
}

function lastLogLine(dir) {
  try {
    return readFileSync(join(dir, 'server.log'), 'utf8').trim().split('\n').at(-1);
  } catch {
    return undefined;
  }
}
