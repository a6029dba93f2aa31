// Subscriber of the Shop API's change events (`shop.addSubscriber('OrderConfirmation', …)` in app.ts): it receives
// `orders.created` as EventBridge delivers it — the envelope, with the CloudEvent in `detail` — and sends the
// confirmation. Here it logs what it would send; the event's id (the stream record's) lets it drop a duplicate
// delivery, which at-least-once delivery allows.
exports.handler = async (event) => {
  const { id, subject, data } = event.detail;
  console.log(JSON.stringify({ level: 'INFO', message: 'order confirmation', eventId: id, order: subject, total: data.item.total }));
};
