package entity_test

import (
	"fmt"
	"time"

	"github.com/switchboard-voice/switchboard/nlu/entity"
)

func Example() {
	e, err := entity.New(
		entity.WithList("card_type", map[string][]string{
			"visa":       {"visa card"},
			"mastercard": {"master card", "万事达"},
		}),
	)
	if err != nil {
		panic(err)
	}
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC) // a Wednesday

	for _, x := range e.Extract("I'd like to pay 350 dollars with my master card next monday at 3pm", now) {
		fmt.Printf("%s %q -> %s\n", x.Type, x.Text, x.Value)
	}
	for _, x := range e.Extract("好的，明天下午三点半送到，电话13800138000", now) {
		fmt.Printf("%s %q -> %s\n", x.Type, x.Text, x.Value)
	}
	// Output:
	// money "350 dollars" -> 350.00 USD
	// card_type "master card" -> mastercard
	// date "next monday" -> 2026-11-30
	// time "3pm" -> 15:00
	// yesno "好的" -> yes
	// date "明天" -> 2026-11-26
	// time "下午三点半" -> 15:30
	// phone "13800138000" -> 13800138000
}

func ExampleExtractor_Parse() {
	e, _ := entity.New()
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

	for _, q := range []struct{ typ, text string }{
		{entity.TypeDigits, "it's four five six one"},
		{entity.TypeYesNo, "yeah that's right"},
		{entity.TypeYesNo, "不对"},
		{entity.TypePhone, "five five five one two three four five six seven"},
		{entity.TypeID, "sf 1234 5678 90"},
		{entity.TypeMoney, "5块5"},
		{entity.TypeTime, "three thirty"},
	} {
		x, ok := e.Parse(q.typ, q.text, now)
		fmt.Println(q.typ, x.Value, ok)
	}
	// Output:
	// digits 4561 true
	// yesno yes true
	// yesno no true
	// phone 5551234567 true
	// id SF1234567890 true
	// money 5.50 CNY true
	// time 15:30 true
}
