export function findChrome(options?: { install?: boolean }): string;
export const chromeArgs: string[];
