//! An accessibility audit of whatever screen a page shows, run in the
//! browser: every visible text has WCAG AA contrast against the background
//! it sits on (4.5:1, or 3:1 for large text), and every visible control
//! can be reached with the keyboard and says what it is.
//!
//! Text drawn on a canvas is not in the page's tree; the board's palette
//! is checked where it is defined (`client/src/web/palette.rs`).

use super::Browser;
use anyhow::{Result, ensure};

/// The audit, as a function body that returns the problems it found.
const AUDIT: &str = r#"
const channels = (c) => c.match(/[\d.]+/g).map(Number);
const luminance = (c) => {
  const [r, g, b] = channels(c).slice(0, 3).map((v) => {
    v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
const opaque = (c) => { const v = channels(c); return v.length < 4 || v[3] > 0.5; };
const background = (e) => {
  for (; e; e = e.parentElement) {
    const c = getComputedStyle(e).backgroundColor;
    if (opaque(c)) return c;
  }
  return "rgb(255, 255, 255)";
};
const shown = (e) => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== "hidden";
const problems = [];
for (const e of document.querySelectorAll("body *")) {
  if (!shown(e) || e.closest("[aria-hidden=true]")) continue;
  const text = [...e.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join("").trim();
  if (text) {
    const style = getComputedStyle(e);
    const [a, b] = [luminance(style.color), luminance(background(e))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (Number(style.fontWeight) >= 700 && size >= 18.66);
    if (ratio < (large ? 3 : 4.5)) {
      problems.push(`contrast ${ratio.toFixed(2)}: ${e.tagName.toLowerCase()}#${e.id} "${text.slice(0, 30)}" (${style.color} on ${background(e)})`);
    }
  }
  const control = e.matches("button, a[href], input, select, textarea");
  if (control) {
    if (e.tabIndex < 0 || e.disabled) problems.push(`not reachable by keyboard: ${e.tagName.toLowerCase()}#${e.id}`);
    const name = (e.getAttribute("aria-label") || e.textContent || (e.labels && e.labels[0] && e.labels[0].textContent) || "").trim();
    if (!name) problems.push(`no name: ${e.tagName.toLowerCase()}#${e.id}`);
  }
}
return problems;
"#;

impl Browser {
    /// Audits the screen shown now (`screen` names it in the error).
    pub async fn audit_accessibility(&self, screen: &str) -> Result<()> {
        let problems = self.eval(AUDIT).await?;
        let problems: Vec<String> = problems
            .as_array()
            .map(|list| {
                list.iter()
                    .filter_map(|p| p.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        ensure!(
            problems.is_empty(),
            "the {screen} screen fails the accessibility audit:\n{}",
            problems.join("\n")
        );
        Ok(())
    }
}
