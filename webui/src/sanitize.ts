// HTML outputs are untrusted: whoever can edit a cell (or a notebook file) decides
// what they contain, and the snapshot replays them to everyone who opens the notebook
// later. They are sanitized with DOMPurify (bundled, as JupyterLab does for untrusted
// output) before they become DOM: no scripts or event handlers, and nothing that acts
// on the page rather than inside the output - no <meta> (refresh), <style> (restyles
// the page), <form> or form controls, <iframe>/<frame> (srcdoc), <object>/<embed>,
// <link> or <base>. Tables, SVG, images (data: URIs) and inline styles stay; the
// output box contains its layout (CSS `contain`), so a `position: fixed` element
// cannot cover the page. Links open in a new tab without access to this one.
import DOMPurify from "dompurify";

const FORBID_TAGS = [
  "style", "meta", "link", "base", "form", "input", "button", "textarea", "select", "option",
  "iframe", "frame", "frameset", "object", "embed", "portal", "dialog",
];
const FORBID_ATTR = ["srcdoc", "formaction", "form", "autofocus", "http-equiv", "ping"];

const purify = DOMPurify(window);
purify.addHook("afterSanitizeAttributes", (node) => {
  if (node instanceof HTMLAnchorElement && node.hasAttribute("href")) {
    node.setAttribute("target", "_blank");
    node.setAttribute("rel", "noopener noreferrer");
  }
});

/** Untrusted HTML as a fragment that is safe to insert into the page. */
export function sanitizedFragment(html: string): DocumentFragment {
  return purify.sanitize(html, {
    FORBID_TAGS,
    FORBID_ATTR,
    RETURN_DOM_FRAGMENT: true,
  });
}
