package demobackend_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/switchboard-voice/switchboard/internal/demobackend"
)

func ExampleNew() {
	srv := httptest.NewServer(demobackend.New(nil))
	defer srv.Close()

	// The body a flow webhook step sends: all slots plus session_id and bot.
	body := `{"account_number":"12345678","session_id":"call-1","bot":"banking"}`
	resp, err := http.Post(srv.URL+"/accounts/balance", "application/json", strings.NewReader(body))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	var reply struct {
		Account struct{ Balance string }
	}
	json.NewDecoder(resp.Body).Decode(&reply)
	fmt.Println(resp.StatusCode, reply.Account.Balance)
	// Output: 200 1,234.56 USD
}
