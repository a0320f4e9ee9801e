import { browserPeers } from './cross-tab.js';
import { betterAuthToken, providedToken, type TokenProvider } from './token-fetchers.js';
import { TokenSource } from './token-source.js';
import { pageWakeUps } from './wake-ups.js';

const sources = new Map<string | TokenProvider, Map<number | undefined, TokenSource>>();

/**
 * The page's TokenSource for an auth URL (or a host's tokenProvider function) and refresh leeway:
 * every element naming the same server shares one token and one refresh schedule.
 */
export function tokenSourceFor(authUrlOrProvider: string | TokenProvider, leewayMs?: number): TokenSource {
  let byLeeway = sources.get(authUrlOrProvider);
  if (!byLeeway) sources.set(authUrlOrProvider, (byLeeway = new Map()));
  let source = byLeeway.get(leewayMs);
  if (!source) {
    const provided = typeof authUrlOrProvider === 'function';
    source = new TokenSource({
      fetchToken: provided ? providedToken(authUrlOrProvider) : betterAuthToken(authUrlOrProvider),
      policy: leewayMs === undefined ? {} : { leewayMs },
      wakeUps: pageWakeUps(),
      // A provider is this page's own function: other tabs have their own, so only URLs share.
      peers: provided ? null : browserPeers(`${leewayMs} ${authUrlOrProvider}`),
    });
    byLeeway.set(leewayMs, source);
  }
  return source;
}
