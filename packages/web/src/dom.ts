/**
 * The one way this app builds DOM. Text always goes in as text nodes and
 * attributes through setAttribute, so strings from the server (titles and
 * bodies are plain text that may contain `<script>`) can never become markup.
 * There is deliberately no innerHTML anywhere in the app.
 */
export type Child = Node | string | number | null | undefined | false;

export interface Props {
  readonly class?: string;
  readonly attrs?: Readonly<Record<string, string | undefined>>;
  readonly on?: { readonly [K in keyof HTMLElementEventMap]?: (event: HTMLElementEventMap[K]) => void };
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props.class) el.className = props.class;
  for (const [name, value] of Object.entries(props.attrs ?? {})) if (value !== undefined) el.setAttribute(name, value);
  for (const [type, listener] of Object.entries(props.on ?? {})) el.addEventListener(type, listener as EventListener);
  append(el, ...children);
  return el;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === "string" || typeof child === "number" ? document.createTextNode(String(child)) : child);
  }
}

/** The element with this id, which index.html must have. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`index.html has no #${id}`);
  return el as T;
}

export function setText(el: Element, text: string): void {
  el.textContent = text;
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });

/** "14:05" today, "Mar 3, 14:05" before; the full date in `title`. */
export function timeElement(iso: string, now = new Date()): HTMLTimeElement {
  const date = new Date(iso);
  const valid = !Number.isNaN(date.getTime());
  const sameDay = valid && date.toDateString() === now.toDateString();
  const label = !valid ? iso : sameDay ? timeFormat.format(date) : dateTimeFormat.format(date);
  return h("time", { attrs: { datetime: iso, title: valid ? date.toLocaleString() : iso } }, label);
}

/**
 * Call before disabling `controls` for a save; call what it returns once they are enabled again. Disabling the
 * focused control drops focus to the page's start, and a keyboard user who just pressed Space on a switch was left
 * at the top of the page; this puts focus back where it was, unless the person has moved it meanwhile.
 */
export function keepFocus(...controls: readonly (HTMLInputElement | HTMLSelectElement | HTMLButtonElement)[]): () => void {
  const had = controls.find((control) => control === document.activeElement);
  return () => {
    const now = document.activeElement;
    if (had && !had.disabled && had.isConnected && (now === null || now === document.body)) had.focus();
  };
}
