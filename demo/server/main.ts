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
  const stop = () => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (error) {
  const { code, message } = error as NodeJS.ErrnoException;
  fail(code === 'EADDRINUSE' ? `port ${config.port} on ${config.host} is already in use (set PORT)` : `cannot start: ${String(message).split('\n')[0]}`);
}
