// The benchmark's subscriber: one line per event received, with the time it was received (written synchronously, so
// that a line is on disk before the invocation ends: a SIGKILLed runner loses no line of an event it delivered).
const fs = require('fs');

exports.handler = async (event) => {
  const d = event.detail;
  fs.appendFileSync(process.env.RECORD_FILE, `${JSON.stringify({ id: d.id, subject: d.subject, version: d.version, type: event['detail-type'], at: Date.now() })}\n`);
};
