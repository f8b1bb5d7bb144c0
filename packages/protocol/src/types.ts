// What the session needs from the process that drives it (the gateway): a
// transport with back-pressure and TLS upgrade, an authenticator, a log.
// The protocol package does no I/O of its own.

export interface ConnectionInfo {
  /** TLS is active (implicit TLS, or after STARTTLS). */
  secure: boolean;
  remoteAddress: string;
  remotePort?: number;
  localAddress?: string;
  localPort?: number;
  /** Connection id for logs. */
  id: string;
}

export interface Transport {
  /** Queue bytes for the client; false once the socket's buffer is above its high-water mark. */
  write(chunks: Buffer[]): boolean;
  /** Resolves once queued output has drained below the high-water mark. */
  drain(): Promise<void>;
  /** Upgrade the connection to TLS (STARTTLS); resolves after the handshake. */
  startTls?(): Promise<void>;
  /** Switch both directions to DEFLATE (RFC 4978). */
  startCompression?(): void;
  /** Stop/resume reading from the client (pipelining back-pressure). */
  pause(): void;
  resume(): void;
  /** Close after queued output is flushed. */
  end(): void;
}

export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface ServerIdentity {
  /** Name in the greeting and ID response. */
  name: string;
  version: string;
}
