// The job sheet's "Print" button: the browser's print dialog (A4, see sheet.css).
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("[data-print]")) {
    button.addEventListener("click", () => window.print());
  }
});
