"""Phase c's reference (bench/sync/pop3.ts): download a whole POP3 maildrop
with Python's poplib, the plainest client there is, and time it in-process.

Reads {host, port, user, password, cafile, expect} as JSON on stdin; connects,
upgrades with STLS (verifying the server against cafile), logs in with
USER/PASS, lists UIDL, RETRs every message in order (one command at a time:
poplib does not pipeline), and QUITs. Prints {seconds, messages, octets} as
JSON on stdout (and the Python version); seconds run from before the TCP connect to after QUIT's answer,
so interpreter start-up is not counted.
"""

import json
import platform
import poplib
import ssl
import sys
import time


def main() -> None:
    cfg = json.load(sys.stdin)
    context = ssl.create_default_context(cafile=cfg["cafile"])
    started = time.perf_counter()
    pop = poplib.POP3(cfg["host"], cfg["port"], timeout=60)
    pop.stls(context=context)
    pop.user(cfg["user"])
    pop.pass_(cfg["password"])
    _, listing, _ = pop.uidl()
    numbers = [int(line.split()[0]) for line in listing]
    octets = 0
    for n in numbers:
        _, lines, size = pop.retr(n)
        if not lines:
            raise SystemExit(f"RETR {n}: empty message")
        octets += size
    pop.quit()
    seconds = time.perf_counter() - started
    if len(numbers) != cfg["expect"]:
        raise SystemExit(f"UIDL listed {len(numbers)} messages, expected {cfg['expect']}")
    print(
        json.dumps(
            {"seconds": seconds, "messages": len(numbers), "octets": octets, "python": platform.python_version()}
        )
    )


if __name__ == "__main__":
    main()
