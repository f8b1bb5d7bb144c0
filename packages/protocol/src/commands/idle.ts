// tag IDLE … DONE   (RFC 2177). Changes to the selected folder go out as they
// happen; the command ends when the client sends DONE (anything else ends it
// with BAD) or after IDLE_COMMAND_TIMEOUT_MS.
import { expectNoArgs } from "../args.ts";
import { AUTHENTICATED, bad, defineCommand, ok } from "../command.ts";
import { IDLE_COMMAND_TIMEOUT_MS } from "../limits.ts";

export const idle = defineCommand({
  name: "IDLE",
  states: AUTHENTICATED,
  expungeAllowed: true,
  parse: expectNoArgs,
  async run(session) {
    session.writeLine("+ idling");
    session.idling = true;
    if (session.selectedView) session.store.idling?.(session.selectedView.folder);
    const started = Date.now();
    let line: Buffer | null = null;
    try {
      // Anything already pending goes out at once.
      await session.syncView({ expungeAllowed: true, force: true });
      session.selectedView?.releaseFlat();
      for (;;) {
        const ev = await session.idleWait();
        if (ev !== "change") {
          line = ev;
          break;
        }
        if (Date.now() - started > IDLE_COMMAND_TIMEOUT_MS) {
          session.bye("IDLE for too long");
          break;
        }
        await session.syncView({ expungeAllowed: true, force: false });
        session.selectedView?.releaseFlat();
      }
    } finally {
      session.idling = false;
    }
    if (line === null) return ok("IDLE terminated");
    if (line.toString("latin1").trim().toUpperCase() !== "DONE") return bad("Expected DONE");
    return ok("IDLE terminated");
  },
});
