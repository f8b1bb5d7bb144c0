// A Session's view of its socket: writes with back-pressure, STARTTLS
// upgrade in place, pause/resume for pipelining clients.
import type { Socket } from "node:net";
import tls from "node:tls";
import type { Transport } from "@postern/protocol";

export class SocketTransport implements Transport {
  socket: Socket;
  private onData: (chunk: Buffer) => void;

  constructor(
    socket: Socket,
    onData: (chunk: Buffer) => void,
    private readonly secureContext: tls.SecureContext | null,
  ) {
    this.socket = socket;
    this.onData = onData;
    socket.on("data", onData);
  }

  write(chunks: Buffer[]): boolean {
    if (this.socket.destroyed || !this.socket.writable) return false;
    let ok = true;
    for (const c of chunks) ok = this.socket.write(c);
    return ok;
  }

  drain(): Promise<void> {
    if (!this.socket.writableNeedDrain || this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.socket.off("drain", done);
        this.socket.off("close", done);
        resolve();
      };
      this.socket.once("drain", done);
      this.socket.once("close", done);
    });
  }

  startTls = async (): Promise<void> => {
    if (!this.secureContext) throw new Error("no TLS context");
    const plain = this.socket;
    plain.off("data", this.onData);
    const secure = new tls.TLSSocket(plain, { isServer: true, secureContext: this.secureContext });
    this.socket = secure;
    await new Promise<void>((resolve, reject) => {
      secure.once("secure", resolve);
      secure.once("error", reject);
      secure.once("close", () => reject(new Error("closed during TLS handshake")));
    });
    secure.on("data", this.onData);
  };

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  end(): void {
    if (!this.socket.destroyed) this.socket.end();
    // A client that never reads its BYE must not hold the socket open.
    setTimeout(() => this.socket.destroy(), 5000).unref();
  }
}
