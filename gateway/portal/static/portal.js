// The portal's only own script (the pages work without it): print buttons, since inline handlers are refused by
// the Content-Security-Policy.
document.addEventListener('click', (e) => {
  const t = e.target instanceof Element ? e.target.closest('[data-print]') : null;
  if (t) {
    e.preventDefault();
    window.print();
  }
});

// A form that came back with problems starts at the first one: keyboard and screen reader users land on the field to
// fix, whose label and error message are read together (the message is linked by aria-describedby).
const firstProblem = document.querySelector('main [aria-invalid="true"]');
if (firstProblem instanceof HTMLElement) firstProblem.focus();

// A record request's status part, swapped by htmx only when it moved: say the new status once through the page's
// stable live region (a replaced element is not reliably read as a live region).
document.addEventListener('htmx:after:swap', () => {
  const status = document.querySelector('#request-status p');
  const say = document.getElementById('request-announce');
  if (status && say) say.textContent = status.textContent.replace(/\s+/g, ' ').trim();
});
