// Admin pages: copy buttons and colour swatches. Progressive enhancement only: without this file
// every value is still selectable text in a read-only field.
(() => {
  "use strict";

  const copy = async (source) => {
    const text = source.value ?? source.textContent ?? "";
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return;
    }
    // Plain http (self-hosted test setups): select the text and use the old command.
    source.focus();
    source.select();
    document.execCommand("copy");
  };

  for (const button of document.querySelectorAll("button.admin-copy[data-copy]")) {
    const source = document.getElementById(button.dataset.copy);
    if (!source) continue;
    const label = button.textContent;
    button.hidden = false;
    button.addEventListener("click", async () => {
      try {
        await copy(source);
        button.textContent = "Copied";
      } catch {
        source.focus();
        source.select();
        button.textContent = "Press Ctrl+C to copy";
      }
      window.setTimeout(() => {
        button.textContent = label;
      }, 2000);
    });
  }

  // Read-only fields select everything on focus, so one keystroke copies them without JS buttons.
  for (const field of document.querySelectorAll(".admin-copy-source")) {
    field.addEventListener("focus", () => field.select());
  }

  // Colour swatches: CSSOM is allowed by our CSP where a style attribute is not.
  for (const swatch of document.querySelectorAll(".admin-swatch[data-colour]")) {
    const colour = swatch.dataset.colour;
    if (/^#[0-9a-fA-F]{6}$/.test(colour)) swatch.style.backgroundColor = colour;
  }
})();
