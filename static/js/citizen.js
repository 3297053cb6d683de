// Citizens' pages: let htmx show the "too many attempts" (429) and "form expired" (400)
// pages in the answer slot; by default htmx does not swap error responses at all.
document.addEventListener("htmx:beforeSwap", function (event) {
  var status = event.detail.xhr.status;
  if ((status === 429 || status === 400) && event.detail.target.hasAttribute("data-swap-errors")) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
