// "Copy link" beside each similar topic or FAQ article, so staff can paste it into a reply.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy-link]");
  if (!button || !navigator.clipboard) return;
  navigator.clipboard.writeText(button.dataset.copyLink).then(() => {
    const label = button.textContent;
    button.textContent = "Copied";
    setTimeout(() => { button.textContent = label; }, 1500);
  });
});
