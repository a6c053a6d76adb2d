// Package browsertest drives a headless Chromium from tests, for pages
// that make WebRTC calls on loopback: the /phone softphone against an
// in-test server or a whole `switchboard serve`.
//
// Start launches the browser, or skips the test when Chromium is not
// installed (it fails instead when SWITCHBOARD_REQUIRE_BROWSER=1). The
// browser gets a fake camera and microphone, accepts getUserMedia without
// a prompt, and gathers 127.0.0.1 candidates so that media stays on
// loopback; WithFakeMic plays a WAV file, such as one from ToneWAV, as the
// microphone:
//
//	b := browsertest.Start(t,
//		browsertest.WithFakeMic(browsertest.ToneWAV(440, 48000, 10*time.Second)),
//		browsertest.WithReport("window.phone.state"))
//	b.Navigate(url)
//	b.Click("#call")
//	b.Poll("in call", 20*time.Second, func() bool { return b.Eval("window.phone.state") == "incall" })
//
// The methods fail the test (t.Fatal) when the browser does not answer in
// time. The browser's console messages and exceptions are printed when
// the test fails, and the browser is closed by t.Cleanup.
//
// The package is for tests only: it imports testing.
package browsertest
