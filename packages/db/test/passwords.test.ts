import { describe, expect, it } from "vitest";
import { generateAppPassword, hashPassword, verifyPassword } from "../src/passwords.ts";

describe("passwords", () => {
  it("hashes slowly with a salt and verifies", async () => {
    const h1 = await hashPassword("correct horse");
    const h2 = await hashPassword("correct horse");
    expect(h1).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(h1).not.toBe(h2);
    expect(await verifyPassword("correct horse", h1)).toBe(true);
    expect(await verifyPassword("correct horsf", h1)).toBe(false);
    expect(await verifyPassword("x", "not-a-hash")).toBe(false);
  });

  it("generates app passwords that are easy to type and hard to guess", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const p = generateAppPassword();
      expect(p).toMatch(/^[a-hjkmnp-z2-9]{4}(-[a-hjkmnp-z2-9]{4}){3}$/);
      seen.add(p);
    }
    expect(seen.size).toBe(200);
  });
});
