// `node --import tsx demo/server/main.ts`: the demo backend, configured from the environment
// (see config.ts). Prints one line with its URL; stops cleanly on SIGINT / SIGTERM.
import { startServer } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import type { ServerConfig } from './config.js';

const fail = (message: string): never => {
  console.error(`auth-chatkit demo: ${message}`);
  process.exit(1);
};

let config: ServerConfig;
try {
  config = loadConfig(process.env);
} catch (error) {
  fail(error instanceof ConfigError ? error.message : `invalid configuration: ${String(error)}`);
  throw error; // unreachable (fail exits); tells TypeScript config is set
}

try {
  const server = await startServer(config);
  console.log(`auth-chatkit demo: ${server.url}/`);
  // what a token must carry here, said once: a mismatch with the auth server shows at a glance
  const { jwksUrl, issuer, audience } = server.app.verifier.config;
  console.log(`auth-chatkit demo: chat tokens verified with the JWKS at ${jwksUrl}, issuer ${JSON.stringify(issuer)}, audience ${JSON.stringify(audience)}`);
  const stop = () => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (error) {
  fail(startFailure(error as NodeJS.ErrnoException));
}

/** One line that names what to change. */
function startFailure(error: NodeJS.ErrnoException): string {
  if (error instanceof ConfigError) return error.message;
  switch (error.code) {
    case 'EADDRINUSE':
      return `port ${config.port} on ${config.host} is already in use (set PORT)`;
    case 'EACCES':
      return `PORT ${config.port} needs privileges this process lacks (choose one above 1023)`;
    case 'ENOTFOUND':
    case 'EADDRNOTAVAIL':
      return `HOST ${config.host} is not an address of this machine (${error.code})`;
    default:
      return `cannot start: ${String(error.message).split('\n')[0]}`;
  }
}
