const sameDayFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const otherDayFormat = new Intl.DateTimeFormat(undefined, {
  weekday: "short",
  day: "numeric",
  month: "short",
  hour: "2-digit",
  minute: "2-digit",
});

/** When something ends, in local time: "18:30" today, "Sat 1 Jun, 18:30" on another day (a bare time would mislead). */
export function untilText(until: Date, now = new Date()): string {
  return (until.toDateString() === now.toDateString() ? sameDayFormat : otherDayFormat).format(until);
}

/** A `datetime-local` input's value for `date` in local time ("2030-06-01T18:30"), as the input reads and writes it. */
export function localInputValue(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/**
 * The instant a `datetime-local` value names in local time, or null when it names none. A date-time string without
 * an offset is local time in JavaScript (ECMA-262 Date Time String Format), which is what the person picked.
 */
export function fromLocalInput(value: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/.test(value)) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}
