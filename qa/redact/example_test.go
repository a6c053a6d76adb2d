package redact_test

import (
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/switchboard-voice/switchboard/qa"
	"github.com/switchboard-voice/switchboard/qa/redact"
)

func Example() {
	r, err := redact.New()
	if err != nil {
		panic(err)
	}
	for _, text := range []string{
		"my card number is 4111 1111 1111 1111 and the cvv is 123",
		"it's four five three nine one four eight eight oh three four three six four six seven",
		"手机幺三八零零幺三八零零零，客服电话400-820-1234",
		"email john dot smith at gmail dot com, SSN 123-45-6789",
		"I paid $1,250.00 on 2024-03-15 for order 20240315123456",
	} {
		res := r.Redact(text)
		fmt.Println(res.Text)
		for _, sp := range res.Spans {
			fmt.Printf("  %s at %d:%d\n", sp.Type, sp.Start, sp.End)
		}
	}
	// Output:
	// my card number is **** **** **** 1111 and the cvv is ***
	//   card at 18:37
	//   cvv at 53:56
	// it's **** **** **** 6467
	//   card at 5:85
	// 手机***********，客服电话400-820-1234
	//   phone at 6:39
	// email ****.*****@*****.***, SSN ***-**-****
	//   email at 6:37
	//   id at 43:54
	// I paid $1,250.00 on 2024-03-15 for order 20240315123456
}

func Example_options() {
	r, err := redact.New(
		redact.WithStyle(redact.Card, redact.Full),
		redact.WithStyle(redact.Phone, redact.Label),
		redact.WithTollFree(true),
		redact.WithPattern("tracking", `\bSF\d{13}\b`),
	)
	if err != nil {
		panic(err)
	}
	fmt.Println(r.String("card 4111-1111-1111-1111, call 95588 or 13800138000, parcel SF1234567890123"))
	// Output:
	// card ****-****-****-****, call [PHONE] or [PHONE], parcel ***************
}

func ExampleRedactor_Turn() {
	r, _ := redact.New()
	words := []qa.Word{
		{Text: "call", Start: 10 * time.Second, End: 10*time.Second + 300*time.Millisecond},
		{Text: "me", Start: 10*time.Second + 300*time.Millisecond, End: 10*time.Second + 500*time.Millisecond},
		{Text: "on", Start: 10*time.Second + 500*time.Millisecond, End: 10*time.Second + 700*time.Millisecond},
		{Text: "13800138000", Start: 10*time.Second + 800*time.Millisecond, End: 13 * time.Second},
	}
	res := r.Turn(qa.Turn{Speaker: qa.Caller, Text: "Call me on 13800138000.", Start: 10 * time.Second, End: 13 * time.Second, Words: words})
	fmt.Println(res.Turn.Text)
	fmt.Println(res.Turn.Words[3].Text)
	fmt.Println(res.Audio) // the stretch of the recording to silence, with a 200 ms margin
	// Output:
	// Call me on ***********.
	// ***********
	// [{10.6s 13.2s}]
}

func ExampleRedactor_JSON() {
	r, _ := redact.New()
	out, err := r.JSON([]byte(`{"alert":"card read out","slots":{"account_number":"12345678","card":4111111111111111},"amount":"$1,250.00"}`))
	if err != nil {
		panic(err)
	}
	fmt.Println(string(out))
	// Output:
	// {"alert":"card read out","slots":{"account_number":"********","card":"************1111"},"amount":"$1,250.00"}
}

func ExampleNewHandler() {
	r, _ := redact.New()
	text := slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{} // steady output for the example
			}
			return a
		},
	})
	log := slog.New(redact.NewHandler(text, r))
	log.Info("caller read out 4111 1111 1111 1111", "phone", "13800138000", "account", "12345678", "turn", 4)
	// Output:
	// level=INFO msg="caller read out **** **** **** 1111" phone=*********** account=******** turn=4
}
