import { browserPeers } from './cross-tab.js';
import { betterAuthToken, providedToken, type TokenProvider } from './token-fetchers.js';
import { TokenSource } from './token-source.js';
import type { RefreshPolicy } from './token-timing.js';
import { pageWakeUps } from './wake-ups.js';

/**
 * One TokenSource per auth URL (and refresh policy) per page, so every element naming the same
 * server shares one token and one refresh schedule; one per tokenProvider function likewise.
 */
const byAuthUrl = new Map<string, TokenSource>();
const byProvider = new WeakMap<TokenProvider, Map<string, TokenSource>>();

export type SourcePolicy = Pick<RefreshPolicy, 'leewayMs'>;

export function tokenSourceFor(authUrl: string, policy?: Partial<SourcePolicy>): TokenSource {
  const key = `${policy?.leewayMs ?? ''} ${authUrl}`;
  let source = byAuthUrl.get(key);
  if (!source) {
    source = new TokenSource({
      fetchToken: betterAuthToken(authUrl),
      policy,
      wakeUps: pageWakeUps(),
      peers: browserPeers(key),
    });
    byAuthUrl.set(key, source);
  }
  return source;
}

export function tokenSourceForProvider(provider: TokenProvider, policy?: Partial<SourcePolicy>): TokenSource {
  const key = `${policy?.leewayMs ?? ''}`;
  let sources = byProvider.get(provider);
  if (!sources) byProvider.set(provider, (sources = new Map()));
  let source = sources.get(key);
  if (!source) {
    // A provider is this page's own function: other tabs have their own, so no peers.
    source = new TokenSource({ fetchToken: providedToken(provider), policy, wakeUps: pageWakeUps() });
    sources.set(key, source);
  }
  return source;
}
