// Confirmation dialogs. A form with data-confirm="<id of a <dialog>>" asks in that dialog before it is sent;
// "Go back" (or Escape) closes it and nothing is sent. Without JavaScript the form is sent directly: its page
// is already the confirmation step, with its own checkboxes. Listening in the capture phase on the document
// runs before any handler of the form itself (htmx), so an unconfirmed form never reaches the server.
document.addEventListener(
  "submit",
  (event) => {
    const form = event.target;
    const dialog = form.dataset.confirm && document.getElementById(form.dataset.confirm);
    if (!dialog || typeof dialog.showModal !== "function" || form.dataset.confirmed === "yes") return;
    event.preventDefault();
    event.stopImmediatePropagation();
    const submitter = event.submitter;
    dialog.returnValue = "";
    dialog.addEventListener(
      "close",
      () => {
        if (dialog.returnValue !== "confirm") return submitter && submitter.focus();
        form.dataset.confirmed = "yes";
        form.requestSubmit(submitter);
      },
      { once: true },
    );
    dialog.showModal();
  },
  true,
);
