// The portal's only own script (the pages work without it): print buttons, since inline handlers are refused by
// the Content-Security-Policy.
document.addEventListener('click', (e) => {
  const t = e.target instanceof Element ? e.target.closest('[data-print]') : null;
  if (t) {
    e.preventDefault();
    window.print();
  }
});
