export function findPostgres(options?: { install?: boolean }): string;
export interface Cluster {
  /** postgres://postgres:<password>@127.0.0.1:<port>/auth_chatkit (a superuser). */
  url: string;
  port: number;
  /** pg_ctl stop -m fast: the data stays, start() brings it back on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server at once and deletes its folder (also run at process exit and on SIGINT/SIGTERM). */
  remove(): void;
}
export function startCluster(options?: { install?: boolean; durable?: boolean }): Promise<Cluster>;
