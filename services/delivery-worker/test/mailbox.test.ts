import { singleMailbox } from "../src/mailbox";

describe("singleMailbox", () => {
  it.each([
    ["alice@example.com", "alice@example.com"],
    ["  alice@example.com\n", "alice@example.com"],
    ["first.last+tag@mail.example.co.uk", "first.last+tag@mail.example.co.uk"],
    ["root@localhost", "root@localhost"],
    ["o'brien@example.ie", "o'brien@example.ie"],
    ["jörg@bücher.example", "jörg@bücher.example"],
  ])("takes %j as the one mailbox %j", (stored, address) => {
    expect(singleMailbox(stored)).toEqual({ ok: true, address });
  });

  it.each([
    ["a list", "a@x, attacker@evil"],
    ["a list without spaces", "victim@example.com,attacker@evil"],
    ["a semicolon list", "victim@example.com;attacker@evil"],
    ["a group", "friends: attacker@evil, other@evil;"],
    ["an empty group", "undisclosed-recipients:;"],
    ["a display name", "Victim <victim@example.com>"],
    ["a display name and a list", "Victim <victim@example.com>, attacker@evil"],
    ["a bare angle address", "<victim@example.com>"],
    ["a quoted local part", '"a@x, attacker@evil"@example.com'],
    ["a comment", "victim@example.com (attacker@evil)"],
    ["two at signs", "victim@example.com@evil"],
    ["inner whitespace", "victim @example.com"],
    ["a line break", "victim@example.com\r\nBcc: attacker@evil"],
    ["no domain", "victim@"],
    ["no local part", "@example.com"],
    ["no at sign", "victim"],
    ["an empty string", ""],
    ["a full-width comma", "victim@example.com\uff0cattacker@evil"],
    ["a no-break space", "victim@example.com\u00a0attacker@evil"],
    ["a leading dot", ".victim@example.com"],
    ["two dots", "vic..tim@example.com"],
    ["a domain label ending in a hyphen", "victim@example-.com"],
    ["an address longer than SMTP allows", `${"a".repeat(250)}@example.com`],
  ])("refuses %s (%j) with the reason", (_what, stored) => {
    const check = singleMailbox(stored);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.reason).toMatch(/^not a single email address: /);
  });
});
