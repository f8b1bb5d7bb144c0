// A Session's view of its socket: writes with back-pressure, STARTTLS
// upgrade in place, COMPRESS=DEFLATE (RFC 4978), pause/resume for
// pipelining clients.
import type { Socket } from "node:net";
import tls from "node:tls";
import zlib from "node:zlib";
import type { Transport } from "@postern/protocol";

export class SocketTransport implements Transport {
  socket: Socket;
  private inflate: zlib.InflateRaw | null = null;
  private deflate: zlib.DeflateRaw | null = null;
  private readonly onSocketData = (chunk: Buffer) => {
    if (this.inflate) this.inflate.write(chunk);
    else this.onData(chunk);
  };

  constructor(
    socket: Socket,
    private readonly onData: (chunk: Buffer) => void,
    private readonly secureContext: tls.SecureContext | null,
  ) {
    this.socket = socket;
    socket.on("data", this.onSocketData);
  }

  write(chunks: Buffer[]): boolean {
    if (this.socket.destroyed || !this.socket.writable) return false;
    if (this.deflate) {
      for (const c of chunks) this.deflate.write(c);
      // Each response batch is flushed so the client can decode it now.
      this.deflate.flush(zlib.constants.Z_SYNC_FLUSH);
      return !this.socket.writableNeedDrain;
    }
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
    plain.off("data", this.onSocketData);
    const secure = new tls.TLSSocket(plain, { isServer: true, secureContext: this.secureContext });
    this.socket = secure;
    await new Promise<void>((resolve, reject) => {
      secure.once("secure", resolve);
      secure.once("error", reject);
      secure.once("close", () => reject(new Error("closed during TLS handshake")));
    });
    secure.on("data", this.onSocketData);
  };

  startCompression = (): void => {
    // The client's stream may use the full 32 KiB window; ours uses a small
    // one, to keep an idle compressed session cheap (RFC 4978 allows it).
    const inflate = zlib.createInflateRaw();
    const deflate = zlib.createDeflateRaw({ windowBits: 11, memLevel: 3 });
    inflate.on("data", (c: Buffer) => this.onData(c));
    inflate.on("error", () => this.socket.destroy());
    deflate.on("data", (c: Buffer) => {
      if (!this.socket.destroyed) this.socket.write(c);
    });
    this.inflate = inflate;
    this.deflate = deflate;
    this.socket.once("close", () => {
      inflate.destroy();
      deflate.destroy();
    });
  };

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  end(): void {
    if (this.deflate) {
      this.deflate.flush(zlib.constants.Z_SYNC_FLUSH, () => this.socket.end());
    } else if (!this.socket.destroyed) this.socket.end();
    // A client that never reads its BYE must not hold the socket open.
    setTimeout(() => this.socket.destroy(), 5000).unref();
  }
}
