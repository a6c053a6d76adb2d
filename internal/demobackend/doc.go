// Package demobackend is a small fake webhook backend for the sample bots in
// bots/banking and bots/logistics-zh. It lets a developer run a full call
// (flows, webhooks, error paths) without any real banking or parcel system:
// point the webhook base URL at it and every flow webhook URL ("/cards/block")
// resolves here.
//
// New returns an http.Handler; serve it with net/http or httptest:
//
//	h := demobackend.New(logger)
//	srv := httptest.NewServer(h) // or http.ListenAndServe(":8090", h)
//
// Every endpoint takes a POST with a JSON object, the body a flow webhook
// sends: all slots as strings plus "session_id" and "bot". Numbers and
// booleans are accepted too. Replies are JSON objects whose keys match the
// "save" paths of the sample flows. Errors are JSON {"error": "..."} with a
// specific status: 400 bad input, 404 unknown account or parcel, 405 wrong
// method, 409 conflicting state, 413 body too large, 422 amount out of range,
// 500 simulated failure.
//
// # Endpoints and fake data
//
//	POST /cards/block        {"last4"}                   -> {"blocked", "reference", "card", "replacement"}
//	POST /accounts/balance   {"account_number"}          -> {"account": {"balance", "available", ...}}
//	POST /transfers/status   {"amount", "transfer_date"} -> {"transfer": {"status", "reference", "eta", "completed_on", ...}}
//	POST /topups             {"amount", "funding_card"}  -> {"topup": {"id", "status", "amount", "new_balance", ...}}
//	POST /parcels/track      {"waybill"}                 -> {"parcel": {"status", "status_code", "location", "eta", "eta_text"}}
//	POST /parcels/address    {"waybill", "new_address"}  -> {"change": {"ticket", "status", "effective"}}
//	GET  /healthz                                         -> {"status": "ok"}
//
// Accounts: 12345678 (1,234.56 USD), 87654321 (50.00 EUR), 11223344
// (0.00 USD), 99999999 (42.00 USD, slow). Parcels: SF1234567890 运输中 (due
// tomorrow), SF2345678901 派送中 (due today), SF3456789012 已签收 (signed
// yesterday), SF9999999999 运输中 (due in two days, slow). Transfers are not
// stored: the status follows from the amount and date (sent today or 1,000
// and more: pending; 10,000 and more: held; older than 90 days: not_found;
// otherwise completed). Top-ups between 5 and 1,000 succeed and do not change
// any balance. References and tickets are derived from the request by
// hashing, so the same request always gets the same reply.
//
// # Trigger values for error paths
//
//	last4 "0000", account "00000000", amount 13.13, waybill SF0000000000  -> 500
//	last4 "9999", account "99999999", amount 666.66, waybill SF9999999999 -> normal reply after 5s (webhook timeout)
//	account "77777777"                                                    -> 200 with an HTML body (not JSON)
//	last4 "1111"                                                          -> 409 already blocked
//	waybill SF3456789012 on /parcels/address                              -> 409 already delivered
//
// The slow replies wait on the request context, so a client that gives up
// also ends the handler. WithSlowDelay shortens the wait and WithClock fixes
// "today" for tests.
package demobackend
