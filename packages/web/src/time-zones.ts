/**
 * The IANA time zones a person may pick for their settings, as this browser knows them, and the browser's own. The
 * gateway has the last word on a name (it answers 400 for one it does not know); this list only saves typing.
 */

/** Every zone name this browser knows, sorted, `UTC` (the settings' default) included. */
export function timeZoneNames(): string[] {
  // Chromium's list leaves out UTC, the one zone every user starts with.
  const names = new Set<string>(typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : []);
  names.add("UTC");
  return [...names].sort();
}

/** The zone this browser runs in (`Europe/Berlin`), or null where it does not say. */
export function browserTimeZone(): string | null {
  const zone = new Intl.DateTimeFormat().resolvedOptions().timeZone;
  return typeof zone === "string" && zone !== "" ? zone : null;
}
