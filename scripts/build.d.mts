export function buildBundles(options?: { quiet?: boolean; outDir?: string }): Promise<void>;
export function buildLibraries(): void;
export const bundleBudget: number;
export function bundleSize(file?: string): { raw: number; gzip: number; brotli: number };
