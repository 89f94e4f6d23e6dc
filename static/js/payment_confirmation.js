// Billing › Payment: a payment the bank asks the owner to confirm (strong customer authentication). Before the
// form is sent, Stripe.js asks the bank (its own window) with the PaymentIntent's client secret, which our
// server gives for this account's invoice only. Whatever the bank answers, the form is then sent: the server
// reads the PaymentIntent back from Stripe and records its outcome, and the page says what became of it.
// Without Stripe.js (blocked, or not loaded yet) the form is sent directly and the server says the same.
document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!form.matches("form[data-payment-confirmation]") || typeof window.Stripe !== "function") return;
  event.preventDefault();
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const response = await fetch(form.dataset.secretUrl, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    if (response.ok) {
      const intent = await response.json();
      const data = intent.payment_method ? { payment_method: intent.payment_method } : undefined;
      await window.Stripe(form.dataset.stripeKey).confirmCardPayment(intent.client_secret, data);
    }
  } finally {
    form.submit(); // submit() fires no "submit" event: this handler does not run again
  }
});
