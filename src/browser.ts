/**
 * The page facilities the launcher, `theme="auto"` and the memory use, in one object so a test can
 * replace any of them (`sinon.stub(browser, 'matchMedia')`). Each reads the global at call time.
 */
export const browser = {
  /** A live media query: `prefers-color-scheme`, the launcher's phone breakpoint. */
  matchMedia: (query: string): MediaQueryList => window.matchMedia(query),
  /** This tab's sessionStorage. May throw (storage blocked) or be absent: callers tolerate both. */
  sessionStorage: (): Storage | undefined => window.sessionStorage,
  /** The visual viewport (what a phone's keyboard leaves on screen), where the browser has one. */
  visualViewport: (): VisualViewport | null | undefined => window.visualViewport,
};
