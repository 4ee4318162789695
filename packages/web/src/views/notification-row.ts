import { ACKNOWLEDGE_ACTION } from "@herald/contract";
import { h, timeElement } from "../dom";
import type { Entry } from "../notification-store";

/** Where an action of one row stands: being sent, done (the label of the one acted on), or refused. */
export interface ActionState {
  readonly pending?: string;
  readonly done?: string;
  readonly error?: string;
}

export interface RowHandlers {
  /** The row itself was activated: mark it read, and follow its link if it has one. */
  readonly open: (id: number) => void;
  readonly act: (id: number, actionId: string) => void;
}

/**
 * One notification of the panel's list. `data-control` names each control so that focus can be put back on the
 * same one after the list is redrawn. Every server string goes in as text (dom.ts).
 */
export function renderRow(e: Entry, link: string | null, action: ActionState | undefined, on: RowHandlers): HTMLLIElement {
  const classes = ["item", `item--${e.category}`];
  if (!e.read) classes.push("item--unread");
  if (e.critical) classes.push("item--critical");
  const where = link ? linkLabel(link) : null;
  return h(
    "li",
    { class: classes.join(" "), attrs: { "data-id": String(e.id), "data-read": String(e.read), "data-category": e.category } },
    h(
      "button",
      {
        class: "item-button",
        attrs: {
          type: "button",
          "data-control": "open",
          title: where ? `Open ${where}` : e.read ? "Read" : "Mark as read",
          ...(link && { "data-href": link }),
        },
        on: { click: () => on.open(e.id) },
      },
      h("span", { class: "item-dot", attrs: { "aria-hidden": "true" } }),
      h(
        "span",
        { class: "item-text" },
        // Not by colour and weight alone (WCAG 1.4.1): a screen reader hears it too.
        e.read ? null : h("span", { class: "sr-only" }, "Unread: "),
        h(
          "span",
          { class: "item-heading" },
          h("span", { class: "item-title" }, e.title),
          e.count > 1
            ? h(
                "span",
                { class: "chip chip--count", attrs: { "data-count": String(e.count) } },
                h("span", { attrs: { "aria-hidden": "true" } }, `×${e.count}`),
                h("span", { class: "sr-only" }, ` (${e.count} grouped)`),
              )
            : null,
        ),
        e.body ? h("span", { class: "item-body" }, e.body) : null,
        h(
          "span",
          { class: "item-meta" },
          e.critical ? h("span", { class: "chip chip--critical" }, "critical") : null,
          h("span", { class: `chip chip--${e.category}` }, e.category),
          " ",
          timeElement(e.createdAt),
          where ? h("span", { class: "item-link" }, h("span", { attrs: { "aria-hidden": "true" } }, "↗ "), where) : null,
        ),
        e.acknowledged
          ? h("span", { class: "item-ack" }, `Acknowledged by ${e.acknowledged.by} at `, timeElement(e.acknowledged.at))
          : null,
      ),
    ),
    offered(e, action).length > 0 ? renderActions(e, offered(e, action), action, on) : null,
  );
}

/**
 * The row's actions: an alert copy another admin acknowledged no longer offers Acknowledge (pressing it would be a
 * no-op); the admin who just did keeps the button, marked done.
 */
function offered(e: Entry, state: ActionState | undefined): Entry["actions"] {
  if (!e.acknowledged || state?.done === ACKNOWLEDGE_ACTION.id) return e.actions;
  return e.actions.filter((a) => a.id !== ACKNOWLEDGE_ACTION.id);
}

function renderActions(e: Entry, actions: Entry["actions"], state: ActionState | undefined, on: RowHandlers): HTMLElement {
  const busy = state?.pending !== undefined;
  return h(
    "div",
    { class: "item-actions", attrs: { role: "group", "aria-label": `Actions for ${e.title}` } },
    ...actions.map((a) => {
      const button = h(
        "button",
        {
          class: `action-button${state?.done === a.id ? " action-button--done" : ""}`,
          attrs: {
            type: "button",
            "data-control": `action-${a.id}`,
            "data-action": a.id,
            ...(state?.pending === a.id && { "aria-busy": "true" }),
          },
          on: { click: () => on.act(e.id, a.id) },
        },
        state?.done === a.id ? `✓ ${a.label}` : a.label,
      );
      button.disabled = busy || state?.done !== undefined;
      return button;
    }),
    state?.error ? h("p", { class: "item-error", attrs: { role: "alert" } }, state.error) : null,
  );
}

/** A link as the row shows it: the host for another site, the path on this one. */
function linkLabel(href: string): string {
  const url = new URL(href);
  return url.origin === window.location.origin ? url.pathname : url.host;
}
