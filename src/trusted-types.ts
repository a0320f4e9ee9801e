import { AuthChatKitError } from './errors.js';

// Trusted Types (`require-trusted-types-for 'script'`): the element's one script sink, the ChatKit
// script's src, goes through a policy of its own, `auth-chatkit`; Lit renders through `lit-html`.
// The page's `trusted-types` directive must name both.

interface Policy {
  createScriptURL(url: string): string;
}
interface PolicyFactory {
  createPolicy(name: string, rules: { createScriptURL?(url: string): string }): Policy;
}

const factory = (globalThis as { trustedTypes?: PolicyFactory }).trustedTypes;
const directive = "add auth-chatkit and lit-html to the page's Content Security Policy: trusted-types auth-chatkit lit-html";

/** Why the page's policy refused `lit-html`, if it did: then Lit cannot render anything. */
let litRefusal: AuthChatKitError | undefined;

// Lit creates its policy while its module is first evaluated, and a refusal would throw there,
// before <auth-chatkit> is defined, with no event. This module is evaluated just before Lit's (the
// element imports it first): for that moment, a refused `lit-html` is noted instead of thrown, so the
// element is defined and reports it. Everything else, and every later call, goes to the page's factory.
if (factory) {
  const { createPolicy } = factory;
  const own = Object.getOwnPropertyDescriptor(factory, 'createPolicy'); // a page's own wrapper, put back as it was
  factory.createPolicy = (name, rules) => {
    try {
      return createPolicy.call(factory, name, rules);
    } catch (cause) {
      if (name !== 'lit-html') throw cause;
      litRefusal = new AuthChatKitError('config', `The page refused the Trusted Types policy lit-html, which <auth-chatkit> renders with: ${directive}.`, { cause });
      return undefined as unknown as Policy;
    }
  };
  queueMicrotask(() => (own ? Object.defineProperty(factory, 'createPolicy', own) : delete (factory as Partial<PolicyFactory>).createPolicy));
}

/** The `config` error to report when Lit has no Trusted Types policy (and so cannot render), or undefined. */
export function trustedTypesRefusal(): AuthChatKitError | undefined {
  return litRefusal;
}

let policy: Policy | undefined;

/**
 * `url` as a script src the page's Trusted Types accept: through the `auth-chatkit` policy where the
 * browser has Trusted Types, as is elsewhere. Throws a `chatkit-load` AuthChatKitError when the
 * page's policy refuses `auth-chatkit`.
 */
export function scriptURL(url: string): string {
  if (!factory) return url;
  try {
    // Returns the URL unchanged: the only caller passes the chatkit-src the config already checked.
    policy ??= factory.createPolicy('auth-chatkit', { createScriptURL: (src: string) => src });
  } catch (cause) {
    throw new AuthChatKitError('chatkit-load', `ChatKit could not be loaded: the page refused the Trusted Types policy auth-chatkit; ${directive}.`, { cause });
  }
  return policy.createScriptURL(url);
}
