// The card field under Stripe (R8.4, R12.1), for the form marked data-stripe-card (billing/payment/
// stripe_card.html). Stripe.js is loaded from the URL the server names (data-stripe-js: Stripe's, or a
// test stand-in) and draws the card field (Elements) with the publishable key; the card number goes from
// that field to Stripe, never to our server. On "Save card", Stripe confirms the card in the page's
// SetupIntent (data-client-secret); then the form is sent with the SetupIntent's id only, and the server
// checks it with Stripe. Until Stripe.js has drawn the field, the form stays hidden and the note saying
// that a card needs JavaScript stays shown: without JavaScript there is no way to enter a card.
const cardForm = document.querySelector("form[data-stripe-card]");

function cardFieldMount(form) {
  const stripe = window.Stripe(form.dataset.stripeKey, { locale: form.dataset.locale });
  const card = stripe.elements().create("card");
  const shown = form.querySelector("[data-card-error]");
  const button = form.querySelector("button[type=submit]");
  card.mount(form.querySelector("[data-card-field]"));
  form.hidden = false;
  document.querySelectorAll("[data-needs-javascript]").forEach((note) => (note.hidden = true));

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (button.disabled) return; // a second click while Stripe confirms: one confirmation
    button.disabled = true;
    shown.textContent = "";
    const { setupIntent, error } = await stripe.confirmCardSetup(form.dataset.clientSecret, {
      payment_method: { card },
    });
    if (error) {
      // Stripe's own words (in the page's language): the card stays in the field, to correct it.
      shown.textContent = error.message || String(error);
      button.disabled = false;
      return;
    }
    form.elements.setup_intent.value = setupIntent.id;
    form.submit(); // not requestSubmit: this handler must not run again
  });
}

if (cardForm) {
  const script = document.createElement("script");
  script.src = cardForm.dataset.stripeJs;
  script.addEventListener("load", () => cardFieldMount(cardForm));
  document.head.appendChild(script);
}
