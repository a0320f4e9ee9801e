// Finds the Chromium the tests drive; never downloads one (these machines cannot, and should not).
// Order: $CHROME_PATH, then the usual system paths. As root where apt exists, installs Debian's
// chromium once; otherwise throws with one line that says what to install.
import { aptInstall, isExecutable } from './debian.mjs';

const candidates = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/snap/bin/chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
];

export function findChrome({ install = false } = {}) {
  const fromEnv = process.env.CHROME_PATH;
  if (fromEnv) {
    if (isExecutable(fromEnv)) return fromEnv;
    throw new Error(`CHROME_PATH=${fromEnv} is not an executable file: point it at Chromium or Chrome.`);
  }
  const found = candidates.find(isExecutable);
  if (found) return found;
  if (install && aptInstall('chromium', 'Chromium') && isExecutable('/usr/bin/chromium')) return '/usr/bin/chromium';
  throw new Error('No Chromium found: install it (Debian/Ubuntu: apt-get install chromium) or set CHROME_PATH to a Chrome/Chromium binary.');
}

// Flags for headless Chromium on these machines: no sandbox as root, no calls home.
export const chromeArgs = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
