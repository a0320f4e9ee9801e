import { browserPeers, type TokenPeers } from './cross-tab.js';
import type { BearerCredential } from './embed-session.js';
import { nativeFetch } from './native-fetch.js';
import { betterAuthToken, providedToken, type TokenProvider } from './token-fetchers.js';
import { TokenSource } from './token-source.js';
import { pageWakeUps } from './wake-ups.js';

const sources = new Map<string | TokenProvider, Map<number | undefined, TokenSource>>();

/**
 * The page's TokenSource for an auth URL (or a host's tokenProvider function) and refresh leeway:
 * every element naming the same server shares one token and one refresh schedule. `credential` is
 * the any-site sign-in's bearer credential for that server, when the browser needs one.
 */
export function tokenSourceFor(authUrlOrProvider: string | TokenProvider, leewayMs?: number, credential?: BearerCredential): TokenSource {
  let byLeeway = sources.get(authUrlOrProvider);
  if (!byLeeway) sources.set(authUrlOrProvider, (byLeeway = new Map()));
  let source = byLeeway.get(leewayMs);
  if (!source) {
    const provided = typeof authUrlOrProvider === 'function';
    source = new TokenSource({
      // the any-site credential goes with the fetch captured at load, never a wrapper installed since
      fetchToken: provided ? providedToken(authUrlOrProvider) : betterAuthToken(authUrlOrProvider, credential && nativeFetch, credential),
      policy: leewayMs === undefined ? {} : { leewayMs },
      wakeUps: pageWakeUps(),
      // A provider is this page's own function: other tabs have their own, so only URLs share.
      peers: provided ? null : whileShared(browserPeers(`${leewayMs} ${authUrlOrProvider}`), credential),
    });
    byLeeway.set(leewayMs, source);
  }
  return source;
}

/**
 * Tabs share refreshes while they share the credential (a cookie, or a bearer in localStorage); a
 * tab holding a bearer of its own (memory, sessionStorage) works alone: another tab's answer, a
 * sign-out above all, is not about its session.
 */
function whileShared(peers: TokenPeers | null, credential?: BearerCredential): TokenPeers | null {
  if (!peers || !credential || credential.shared) return peers;
  const alone = () => credential.get() !== undefined;
  return {
    ifIdle: work => (alone() ? work() : peers.ifIdle(work)),
    announce: message => alone() || peers.announce(message),
    listen: onMessage => peers.listen(message => alone() || onMessage(message)),
  };
}
