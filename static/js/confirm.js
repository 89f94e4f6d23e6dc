// Confirmation dialogs. A form with data-confirm="<id of a <dialog>>" asks in that dialog before it is sent;
// "Go back" (or Escape) closes it and nothing is sent. Without JavaScript the form is sent directly: its page
// is already the confirmation step, with its own checkboxes. Listening in the capture phase on the document
// runs before any handler of the form itself (htmx), so an unconfirmed form never reaches the server.
// The dialog opens only for a valid form: an invalid one (a required reason or box left empty) goes to the
// server unconfirmed, and the server refuses it and shows what to fix — confirming, then reading "This field
// is required", would ask the question before the answers are in. The forms are `novalidate` so that every
// error reads the same (the server's words, in the page's language); checkValidity() still applies the
// fields' `required` attributes.
const asked = new WeakMap(); // dialog → the form and button waiting for its answer

document.addEventListener(
  "submit",
  (event) => {
    const form = event.target;
    const dialog = form.dataset.confirm && document.getElementById(form.dataset.confirm);
    if (!dialog || typeof dialog.showModal !== "function" || form.dataset.confirmed === "yes") return;
    if (!form.checkValidity()) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    asked.set(dialog, { form, submitter: event.submitter });
    dialog.returnValue = "";
    dialog.showModal();
  },
  true,
);

// "close" does not bubble, hence the capture phase. The browser fires it in a later task, and a key press
// can run before that task: the close of an earlier opening may arrive after the dialog was opened again.
// Such a late close is ignored; the answer is the close of the dialog as it is now.
document.addEventListener(
  "close",
  (event) => {
    const dialog = event.target;
    const waiting = asked.get(dialog);
    if (!waiting || dialog.open) return;
    asked.delete(dialog);
    if (dialog.returnValue !== "confirm") return waiting.submitter && waiting.submitter.focus();
    // requestSubmit fires "submit" at once; the mark lives only that long, so a page restored by the Back
    // button asks again.
    waiting.form.dataset.confirmed = "yes";
    waiting.form.requestSubmit(waiting.submitter);
    delete waiting.form.dataset.confirmed;
  },
  true,
);
