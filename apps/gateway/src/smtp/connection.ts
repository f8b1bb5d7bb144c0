// smtp-server, adjusted where submission needs more than its options give:
//
// - Enhanced status codes (RFC 2034) are chosen by us. smtp-server derives
//   one from the reply code alone (553 → 5.1.3 "bad destination syntax"),
//   which says the wrong thing for "sender not yours" (5.7.1). A refusal
//   whose text starts with an enhanced code (replies.ts) gets that one.
// - AUTH is offered only where it may be used: after TLS, or in the clear
//   from loopback when POSTERN_PLAINTEXT_LOOPBACK allows it (RFC 3207 §4,
//   RFC 4954 §4: credentials never cross the network in the clear). EHLO
//   does not list it before STARTTLS, and AUTH then gets
//   `530 5.7.0 Must issue a STARTTLS command first`.
//
// CHUNKING (RFC 3030) is not offered: smtp-server 3.21.6 has no BDAT
// command (its MAIL handler says so where it refuses BODY=BINARYMIME), so
// advertising it would make clients that use it fail.
import type net from "node:net";
import type tls from "node:tls";
import { SMTPServer, type SMTPServerOptions } from "smtp-server";
import { SMTPConnection, type SMTPConnectionOptions } from "smtp-server/lib/smtp-connection.js";
import { refuse } from "./replies.ts";

/** Commands a submission server has no use for: sendmail jokes and proxy extensions (no proxy is trusted). */
export const DISABLED_COMMANDS = ["WIZ", "SHELL", "KILL", "XCLIENT", "XFORWARD"];

const LEADING_ENHANCED_CODE = /^([245])\.\d{1,3}\.\d{1,3} /;

class SubmissionConnection extends SMTPConnection {
  /** Set while a reply with our own enhanced code is written. */
  private ownEnhancedCode: string | null = null;

  constructor(
    server: SubmissionServer,
    socket: net.Socket | tls.TLSSocket,
    options: SMTPConnectionOptions | null | undefined,
    private readonly plaintextAuth: boolean,
  ) {
    super(server, socket, options);
  }

  /** TLS is up, or this is loopback in development (POSTERN_PLAINTEXT_LOOPBACK). */
  private authAllowed(): boolean {
    return this.secure || this.plaintextAuth;
  }

  override send(code: number, data?: string | string[] | null, context?: string | false): void {
    const m = typeof data === "string" ? LEADING_ENHANCED_CODE.exec(data) : null;
    if (!m || m[1] !== String(code)[0] || typeof data !== "string") {
      super.send(code, data, context);
      return;
    }
    this.ownEnhancedCode = m[0].trimEnd();
    try {
      super.send(code, data.slice(m[0].length), context);
    } finally {
      this.ownEnhancedCode = null;
    }
  }

  override _getEnhancedStatusCode(code: number, context?: string | false): string {
    const derived = super._getEnhancedStatusCode(code, context);
    // Empty when enhanced codes are off for this reply (greeting, EHLO, 3xx);
    // a refusal of the connection itself (421 from onConnect) keeps ours, as Postfix's does.
    if (this.ownEnhancedCode && (derived || code >= 400)) return this.ownEnhancedCode;
    return derived;
  }

  override handler_EHLO(command: Buffer, callback: () => void): void {
    if (this.authAllowed()) {
      super.handler_EHLO(command, callback);
      return;
    }
    // smtp-server lists AUTH whenever the command is enabled; hide it for this reply only.
    const before = this.session.disabledCommands;
    this.session.disabledCommands = [...DISABLED_COMMANDS, "AUTH"];
    try {
      super.handler_EHLO(command, callback);
    } finally {
      this.session.disabledCommands = before;
    }
  }

  override handler_AUTH(command: Buffer, callback: () => void): void {
    if (this.authAllowed()) {
      super.handler_AUTH(command, callback);
      return;
    }
    this.send(530, refuse.tlsRequired().message);
    callback();
  }
}

/** SMTPServer whose connections are SubmissionConnections. */
export class SubmissionServer extends SMTPServer {
  constructor(
    options: SMTPServerOptions,
    /** May a client at this address authenticate without TLS? */
    private readonly plaintextAuthFrom: (remoteAddress: string) => boolean,
  ) {
    // The connection decides where AUTH is allowed; smtp-server's own check would refuse loopback too.
    super({ ...options, allowInsecureAuth: true, disabledCommands: DISABLED_COMMANDS });
  }

  override connect(socket: net.Socket | tls.TLSSocket, socketOptions?: SMTPConnectionOptions | null): void {
    // As SMTPServer.connect, with our connection class.
    const connection = new SubmissionConnection(
      this,
      socket,
      socketOptions,
      this.plaintextAuthFrom(socket.remoteAddress ?? ""),
    );
    this.connections.add(connection);
    connection.on("error", (err: Error) => this._onError(err));
    connection.on("connect", (data) => this._onClientConnect(data));
    connection.init();
  }
}
