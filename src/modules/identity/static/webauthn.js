/*
 * Security keys (WebAuthn) on the second-factor and security pages: a progressive enhancement. The server renders
 * each WebAuthn section `hidden`; this script shows it only where the browser can use it and the page is served
 * from the origin the platform's keys are bound to. Without it the authenticator app and recovery codes still work.
 *
 * A form marked `data-webauthn="authenticate"` or `"register"` is submitted as usual, after the script has fetched
 * a challenge from `data-webauthn-options` (with the form's CSRF token in a header), let the browser talk to the
 * authenticator, and put the answer into the hidden `response` field. When anything fails (no key, cancelled,
 * timed out) the form goes with an empty answer, and the server's page says what happened in the usual way.
 *
 * Served as a file from the platform itself (the CSP allows only our own scripts) after @simplewebauthn/browser,
 * whose bundle defines `SimpleWebAuthnBrowser`. Plain JavaScript for current browsers, no build step.
 */
(() => {
  const library = window.SimpleWebAuthnBrowser;
  const usable = library?.browserSupportsWebAuthn() === true;

  for (const section of document.querySelectorAll('[data-webauthn-origin]')) {
    if (usable && section.getAttribute('data-webauthn-origin') === window.location.origin)
      section.hidden = false;
  }
  for (const note of document.querySelectorAll('[data-webauthn-unavailable]')) {
    const section = document.getElementById(note.getAttribute('data-webauthn-unavailable'));
    if (section && !section.hidden) note.hidden = true;
  }

  for (const form of document.querySelectorAll('form[data-webauthn]')) {
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const button = form.querySelector('button[type="submit"]');
      if (button) button.disabled = true;
      let answer = '';
      try {
        const csrf = form.querySelector('input[name="_csrf"]');
        const reply = await fetch(form.getAttribute('data-webauthn-options'), {
          method: 'POST',
          credentials: 'same-origin',
          headers: { accept: 'application/json', 'x-csrf-token': csrf ? csrf.value : '' },
        });
        if (reply.ok) {
          const optionsJSON = await reply.json();
          const result =
            form.getAttribute('data-webauthn') === 'register'
              ? await library.startRegistration({ optionsJSON })
              : await library.startAuthentication({ optionsJSON });
          answer = JSON.stringify(result);
        }
      } catch {
        // No answer: the server's page explains, with the other ways to go on.
      }
      form.querySelector('input[name="response"]').value = answer;
      // submit() sends the form without firing this listener again.
      form.submit();
    });
  }
})();
