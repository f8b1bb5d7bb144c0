// tag COMPRESS DEFLATE   (RFC 4978)
import { atomValue, expectCount } from "../args.ts";
import { AUTHENTICATED, defineCommand, no, ok } from "../command.ts";

export const compress = defineCommand({
  name: "COMPRESS",
  states: AUTHENTICATED,
  expungeAllowed: true,
  parse(args) {
    expectCount(args, 1);
    return atomValue(args[0], "mechanism").toUpperCase();
  },
  async run(session, mechanism) {
    if (mechanism !== "DEFLATE") return no(`Unknown compression mechanism ${mechanism}`, "CANNOT");
    if (session.compressed) return no("Compression is already active", "COMPRESSIONACTIVE");
    if (!session.canCompress) return no("Compression is not available", "CANNOT");
    // Compression starts right after the OK (RFC 4978 §3).
    session.afterResponse(() => {
      session.startCompression();
    });
    return ok("DEFLATE active");
  },
});
