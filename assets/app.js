// Progressive enhancement only: every page works without this file.
(() => {
  "use strict";

  // People paste whatever they have: "Jane@Contoso.com", "https://www.contoso.com/about".
  // Reduce it to the domain before the form goes to the server (which checks it anyway).
  const normaliseDomain = (raw) =>
    raw
      .trim()
      .replace(/^[a-z][a-z0-9+.-]*:\/\//i, "") // scheme
      .replace(/[/?#\\].*$/, "") // path, query, fragment
      .replace(/^.*@/, "") // the name part of an email address
      .replace(/:\d*$/, "") // port
      .replace(/^www\./i, "")
      .replace(/\.+$/, "") // trailing dot
      .toLowerCase();

  for (const form of document.querySelectorAll("form.domain-form")) {
    form.addEventListener("submit", () => {
      const input = form.elements.namedItem("domain");
      if (input instanceof HTMLInputElement) {
        const cleaned = normaliseDomain(input.value);
        if (cleaned) input.value = cleaned;
      }
    });
  }

  // "Type your company's domain" links jump to the form: put the cursor in the field too.
  const field = document.getElementById("domain");
  if (field) {
    for (const link of document.querySelectorAll('a[href="#try"]')) {
      link.addEventListener("click", () => field.focus({ preventScroll: true }));
    }
  }

  // Printed guides should show everything, including the folded-away parts.
  const opened = [];
  window.addEventListener("beforeprint", () => {
    for (const details of document.querySelectorAll("details:not([open])")) {
      details.open = true;
      opened.push(details);
    }
  });
  window.addEventListener("afterprint", () => {
    while (opened.length) opened.pop().open = false;
  });

  // First visit to a new domain: tick each lookup as it finishes, then show the page.
  // Without JavaScript the page's meta refresh does the same, a little later.
  const progress = document.querySelector("[data-progress-url]");
  if (progress && "EventSource" in window) {
    const events = new EventSource(progress.getAttribute("data-progress-url"));
    const finish = () => {
      events.close();
      window.location.replace(progress.getAttribute("data-result-url"));
    };
    events.addEventListener("lookup", (event) => {
      const item = document.getElementById("progress-" + event.data);
      if (!item) return;
      item.classList.add("is-done");
      const state = item.querySelector(".progress__state");
      if (state) state.textContent = "Done";
    });
    events.addEventListener("done", finish);
    events.addEventListener("error", finish);
  }
})();

// --- adoption: count troubleshooting opens (anonymous; src/web/events.rs) ---
// When someone opens a troubleshooting entry, tell the server which one, once per entry per page
// view. The beacon carries only the entry's key, and the browser adds the page view's counting
// cookie (HttpOnly: this script never sees it); nothing about the visitor.
(() => {
  "use strict";
  const form = document.querySelector("form.done-form[data-events-url]");
  if (!form || !navigator.sendBeacon) return;
  const url = form.getAttribute("data-events-url");
  const sent = new Set();
  // Printing opens every entry (see above): those openings are not someone looking for help.
  let printing = false;
  window.addEventListener("beforeprint", () => {
    printing = true;
  });
  window.addEventListener("afterprint", () => {
    // Toggle events of the print's openings are queued: let them pass first.
    setTimeout(() => {
      printing = false;
    }, 0);
  });
  for (const details of document.querySelectorAll("details[data-trouble]")) {
    details.addEventListener("toggle", (event) => {
      const key = details.getAttribute("data-trouble");
      const opened = event.newState ? event.newState === "open" : details.open;
      if (printing || !opened || !details.open || !key || sent.has(key)) return;
      sent.add(key);
      navigator.sendBeacon(url, new URLSearchParams({ kind: "troubleshoot_open", key }));
    });
  }
})();
// --- end adoption ---
